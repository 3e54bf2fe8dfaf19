<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\TaxPolicy;
use PHPUnit\Framework\TestCase;

/**
 * The tax settings, when an answer is reused, what blocks an order.
 *
 * @coversDefaultClass \Drupal\seam_bridge\TaxPolicy
 */
final class TaxPolicyTest extends TestCase {

  public function testDefaults(): void {
    $p = TaxPolicy::fromConfig([]);
    $this->assertSame('block', $p->fallback);
    $this->assertSame(1.5, $p->timeout);
    $this->assertSame(60, $p->estimateReuse);
  }

  public function testSettingsAndOutOfRangeValues(): void {
    $p = TaxPolicy::fromConfig(['fallback' => 'zero_with_flag', 'timeout' => '0.8', 'estimate_reuse' => 0]);
    $this->assertSame('zero_with_flag', $p->fallback);
    $this->assertSame(0.8, $p->timeout);
    $this->assertSame(0, $p->estimateReuse);
    $p = TaxPolicy::fromConfig(['fallback' => 'zero', 'timeout' => 30, 'estimate_reuse' => -1]);
    $this->assertSame('block', $p->fallback);
    $this->assertSame(1.5, $p->timeout);
    $this->assertSame(60, $p->estimateReuse);
    $this->assertSame(1.5, TaxPolicy::fromConfig(['timeout' => 0.1])->timeout);
    $this->assertSame(1.5, TaxPolicy::fromConfig(['timeout' => 'fast'])->timeout);
  }

  public function testQuoteUrl(): void {
    $this->assertSame('http://127.0.0.1:8893/v1/tax/quote', TaxPolicy::quoteUrl('http://127.0.0.1:8893/'));
    $this->assertSame('https://seam.example.com/base/v1/tax/quote', TaxPolicy::quoteUrl(' https://seam.example.com/base '));
    $this->assertNull(TaxPolicy::quoteUrl(''));
    $this->assertNull(TaxPolicy::quoteUrl('seam.example.com'));
    $this->assertNull(TaxPolicy::quoteUrl('http://seam?x=1'));
  }

  public function testUsableKey(): void {
    $this->assertTrue(TaxPolicy::isUsableKey('seam_AbCdEfGh-_12_' . str_repeat('x', 32)));
    $this->assertFalse(TaxPolicy::isUsableKey(NULL));
    $this->assertFalse(TaxPolicy::isUsableKey(''));
    $this->assertFalse(TaxPolicy::isUsableKey('whsec_dGVzdA=='));
    $this->assertFalse(TaxPolicy::isUsableKey('seam_short_x'));
    $this->assertFalse(TaxPolicy::isUsableKey('seam_AbCdEfGh-_12_'));
    $this->assertFalse(TaxPolicy::isUsableKey('seam_AbCdEfGh-_12_' . str_repeat('x', 50)));
    $this->assertFalse(TaxPolicy::isUsableKey('seam_AbCdEfGh-_12_a b'));
  }

  /**
   * [state, key, now] => reuse.
   */
  public static function reuses(): array {
    $engine = ['status' => 'quoted', 'key' => 'k1', 'at' => 1000, 'answer' => ['source' => 'engine']];
    $estimate = ['answer' => ['source' => 'estimate']] + $engine;
    return [
      'same cart, engine answer' => [$engine, 'k1', 1000 + 86400, TRUE],
      'same cart, cache answer' => [['answer' => ['source' => 'cache']] + $engine, 'k1', 5000, TRUE],
      'changed cart' => [$engine, 'k2', 1001, FALSE],
      'no state' => [NULL, 'k1', 1001, FALSE],
      'last quote failed' => [['status' => 'missing', 'key' => 'k1', 'at' => 1000], 'k1', 1001, FALSE],
      'no address last time' => [['status' => 'no_address', 'at' => 1000], 'k1', 1001, FALSE],
      'quoted without answer' => [['answer' => NULL] + $engine, 'k1', 1001, FALSE],
      'estimate, 59 s old' => [$estimate, 'k1', 1059, TRUE],
      'estimate, 60 s old' => [$estimate, 'k1', 1060, FALSE],
    ];
  }

  /**
   * @dataProvider reuses
   */
  public function testShouldReuse(?array $state, string $key, int $now, bool $expected): void {
    $this->assertSame($expected, TaxPolicy::fromConfig([])->shouldReuse($state, $key, $now));
  }

  public function testEstimateReuseZeroAlwaysAsksAgain(): void {
    $state = ['status' => 'quoted', 'key' => 'k', 'at' => 1000, 'answer' => ['source' => 'estimate']];
    $this->assertFalse(TaxPolicy::fromConfig(['estimate_reuse' => 0])->shouldReuse($state, 'k', 1000));
  }

  public function testHoldsFailure(): void {
    $failed = ['status' => 'missing', 'key' => 'k', 'at' => 1000, 'reason' => 'r'];
    $this->assertTrue(TaxPolicy::holdsFailure($failed, 'k', 1000));
    $this->assertTrue(TaxPolicy::holdsFailure($failed, 'k', 1014));
    $this->assertFalse(TaxPolicy::holdsFailure($failed, 'k', 1015));
    $this->assertFalse(TaxPolicy::holdsFailure($failed, 'other', 1001));
    $this->assertFalse(TaxPolicy::holdsFailure(['status' => 'retry'] + $failed, 'k', 1001));
    $this->assertFalse(TaxPolicy::holdsFailure(['key' => NULL] + $failed, 'k', 1001));
    $this->assertFalse(TaxPolicy::holdsFailure(NULL, 'k', 1001));
  }

  public function testWhatBlocks(): void {
    $this->assertFalse(TaxPolicy::blocks(NULL));
    $this->assertFalse(TaxPolicy::blocks(['status' => 'quoted', 'fallback' => 'block']));
    $this->assertFalse(TaxPolicy::blocks(['status' => 'retry', 'fallback' => 'block']));
    $this->assertFalse(TaxPolicy::blocks(['status' => 'missing', 'fallback' => 'zero_with_flag']));
    $this->assertTrue(TaxPolicy::blocks(['status' => 'missing', 'fallback' => 'block']));
    $this->assertTrue(TaxPolicy::blocks(['status' => 'no_address', 'fallback' => 'block']));
    $this->assertSame(TaxPolicy::MSG_BLOCKED, TaxPolicy::blockedMessage(['status' => 'missing', 'fallback' => 'block']));
    $this->assertSame(TaxPolicy::MSG_NO_ADDRESS, TaxPolicy::blockedMessage(['status' => 'no_address', 'fallback' => 'block']));
    $this->assertSame('', TaxPolicy::blockedMessage(['status' => 'missing', 'fallback' => 'zero_with_flag']));
  }

  public function testRefusal(): void {
    $problem = json_encode([
      'type' => 'https://seam.dev/problems/tax-unavailable', 'title' => 'Tax unavailable', 'status' => 503,
      'detail' => "the tax engine is unavailable and the rate table has no rate for\nFR (the store's policy is block)",
    ]);
    $this->assertSame(["seam answered HTTP 503: the tax engine is unavailable and the rate table has no rate for FR (the store's policy is block)", TRUE], TaxPolicy::refusal(503, $problem));
    $this->assertSame(['seam answered HTTP 503: Service Unavailable', FALSE], TaxPolicy::refusal(503, '{"type":"https://seam.dev/problems/unavailable","title":"Service Unavailable"}'));
    $this->assertSame(['seam answered HTTP 503', FALSE], TaxPolicy::refusal(503, '<html>busy</html>'));
    $this->assertSame(["seam answered HTTP 404: store 'us' has no tax config (tax.stores)", FALSE], TaxPolicy::refusal(404, json_encode(['detail' => "store 'us' has no tax config (tax.stores)"])));
    $this->assertSame(['seam answered HTTP 401', FALSE], TaxPolicy::refusal(401, ''));
    [$reason] = TaxPolicy::refusal(422, json_encode(['detail' => str_repeat('x', 400)]));
    $this->assertSame(strlen('seam answered HTTP 422: ') + 303, strlen($reason));
  }

}
