<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\DeliveryPolicy;
use Drupal\seam_bridge\JsonText;
use Drupal\seam_bridge\SecretResolver;
use Drupal\seam_bridge\StoreMap;
use PHPUnit\Framework\TestCase;

/**
 * Delivery policy, store map, secret resolution and JSON text checks.
 *
 * @coversNothing
 */
final class SupportTest extends TestCase {

  public function testClassify(): void {
    $this->assertSame('ok', DeliveryPolicy::classify(200));
    $this->assertSame('ok', DeliveryPolicy::classify(204));
    foreach ([NULL, 301, 401, 403, 404, 408, 409, 429, 500, 502, 503, 504] as $s) {
      $this->assertSame('retry', DeliveryPolicy::classify($s), (string) $s);
    }
    foreach ([400, 410, 413, 422] as $s) {
      $this->assertSame('drop', DeliveryPolicy::classify($s), (string) $s);
    }
  }

  public function testScheduleAndGiveUp(): void {
    $this->assertSame(5, DeliveryPolicy::nextDelay(1));
    $this->assertSame(300, DeliveryPolicy::nextDelay(2));
    $this->assertSame(86400, DeliveryPolicy::nextDelay(9));
    $this->assertNull(DeliveryPolicy::nextDelay(10));
    $this->assertNull(DeliveryPolicy::nextDelay(11));
    $total = 0;
    for ($i = 1; $i < DeliveryPolicy::MAX_ATTEMPTS; $i++) {
      $total += DeliveryPolicy::nextDelay($i);
    }
    // Standard Webhooks' example schedule: about 75.6 hours in all.
    $this->assertSame(272105, $total);
  }

  public function testRetryAfterOnlyLengthensAndIsCapped(): void {
    $this->assertSame(120, DeliveryPolicy::nextDelay(1, '120'));
    $this->assertSame(300, DeliveryPolicy::nextDelay(2, '1'));
    $this->assertSame(86400, DeliveryPolicy::nextDelay(1, '999999'));
    $now = 1700000000;
    $this->assertSame(60, DeliveryPolicy::nextDelay(1, gmdate('D, d M Y H:i:s', $now + 60) . ' GMT', $now));
    $this->assertSame(5, DeliveryPolicy::nextDelay(1, 'soon', $now));
    $this->assertNull(DeliveryPolicy::parseRetryAfter('', $now));
    $this->assertSame(0, DeliveryPolicy::parseRetryAfter(gmdate('D, d M Y H:i:s', $now - 60) . ' GMT', $now));
  }

  public function testStoreMap(): void {
    $map = new StoreMap([
      ['store_uuid' => 'aaa', 'seam_store' => 'eu-shop'],
      ['store_uuid' => 'bbb', 'seam_store' => 'bad/name'],
    ], 'main');
    $this->assertSame('eu-shop', $map->seamStore('aaa'));
    $this->assertSame('main', $map->seamStore('bbb'));
    $this->assertSame('main', $map->seamStore('ccc'));
    $this->assertNull((new StoreMap([]))->seamStore('ccc'));
  }

  public function testWebhookUrl(): void {
    $this->assertSame('http://127.0.0.1:8080/webhooks/drupal/eu-shop', StoreMap::webhookUrl('http://127.0.0.1:8080/', 'eu-shop'));
    $this->assertSame('https://seam.example.com/base/webhooks/drupal/main', StoreMap::webhookUrl(' https://seam.example.com/base ', 'main'));
    $this->assertNull(StoreMap::webhookUrl('ftp://seam', 'main'));
    $this->assertNull(StoreMap::webhookUrl('http://seam?x=1', 'main'));
    $this->assertNull(StoreMap::webhookUrl('', 'main'));
    $this->assertNull(StoreMap::webhookUrl('http://seam', '../x'));
  }

  public function testSecretResolver(): void {
    $settings = static fn(string $k) => ['seam_bridge_secret' => 'whsec_dGVzdA==', 'other' => ' whsec_b3RoZXI= '][$k] ?? NULL;
    $env = static fn(string $k) => ['SEAM_BRIDGE_SECRET' => 'whsec_ZW52', 'EMPTY' => ''][$k] ?? FALSE;
    $this->assertSame('whsec_dGVzdA==', SecretResolver::resolve('settings', '', $settings, $env));
    $this->assertSame('whsec_b3RoZXI=', SecretResolver::resolve('settings', 'other', $settings, $env));
    $this->assertSame('whsec_ZW52', SecretResolver::resolve('env', '', $settings, $env));
    $this->assertNull(SecretResolver::resolve('env', 'EMPTY', $settings, $env));
    $this->assertNull(SecretResolver::resolve('env', 'MISSING', $settings, $env));
    $this->assertNull(SecretResolver::resolve('settings', 'missing', $settings, $env));
    $this->assertTrue(SecretResolver::isUsable('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
    $this->assertFalse(SecretResolver::isUsable('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'));
    $this->assertFalse(SecretResolver::isUsable('whsec_***'));
    $this->assertFalse(SecretResolver::isUsable(NULL));
  }

  public function testJsonText(): void {
    $this->assertNull(JsonText::objectError(NULL));
    $this->assertNull(JsonText::objectError(''));
    $this->assertNull(JsonText::objectError('{"pim":"P-1","wms":["a","b"]}'));
    $this->assertNull(JsonText::objectError('{}'));
    $this->assertSame('must be a JSON object', JsonText::objectError('["a"]'));
    $this->assertSame('must be a JSON object', JsonText::objectError('"a"'));
    $this->assertStringStartsWith('is not valid JSON', JsonText::objectError('{"a":'));
  }

}
