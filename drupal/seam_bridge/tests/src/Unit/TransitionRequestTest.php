<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\InvalidRequestException;
use Drupal\seam_bridge\TransitionRequest;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\TransitionRequest
 */
final class TransitionRequestTest extends TestCase {

  public function testFullRequest(): void {
    $r = TransitionRequest::fromJson('{"transition":"capture","amount":{"number":"10.00","currency_code":"USD"},"remote_state":"succeeded","idempotency_key":"pay-1:capture"}');
    $this->assertSame('capture', $r->transition);
    $this->assertSame(['number' => '10.00', 'currency_code' => 'USD'], $r->amount->toArray());
    $this->assertSame('succeeded', $r->remoteState);
    $this->assertSame('pay-1:capture', $r->idempotencyKey);
  }

  public function testNullsAndMissingOptionals(): void {
    $r = TransitionRequest::fromJson('{"transition":"void","amount":null,"remote_state":null,"idempotency_key":"k"}');
    $this->assertNull($r->amount);
    $this->assertNull($r->remoteState);
    $r = TransitionRequest::fromJson('{"transition":"refund","idempotency_key":"k"}');
    $this->assertSame('refund', $r->transition);
    $this->assertNull($r->amount);
  }

  public function testKeyOf255CharactersIsAccepted(): void {
    $key = str_repeat('é', 255);
    $this->assertSame($key, TransitionRequest::fromJson(json_encode(['transition' => 'void', 'idempotency_key' => $key]))->idempotencyKey);
  }

  /**
   * @dataProvider badBodies
   */
  public function testBadBodiesAreRefused(string $raw, string $message): void {
    try {
      TransitionRequest::fromJson($raw);
      $this->fail('accepted ' . $raw);
    }
    catch (InvalidRequestException $e) {
      $this->assertStringContainsString($message, $e->getMessage());
    }
  }

  public static function badBodies(): array {
    return [
      'not json' => ['{"transition":', 'not valid JSON'],
      'array' => ['["capture"]', 'must be a JSON object'],
      'empty array' => ['[]', 'must be a JSON object'],
      'string' => ['"capture"', 'must be a JSON object'],
      'unknown member' => ['{"transition":"void","idempotency_key":"k","force":true}', 'unknown member(s): force'],
      'unknown transition' => ['{"transition":"authorize","idempotency_key":"k"}', 'transition must be one of'],
      'no transition' => ['{"idempotency_key":"k"}', 'transition must be one of'],
      'no key' => ['{"transition":"void"}', 'idempotency_key is required'],
      'empty key' => ['{"transition":"void","idempotency_key":""}', 'idempotency_key is required'],
      'numeric key' => ['{"transition":"void","idempotency_key":5}', 'idempotency_key is required'],
      'long key' => [json_encode(['transition' => 'void', 'idempotency_key' => str_repeat('k', 256)]), 'at most 255'],
      'float amount' => ['{"transition":"capture","amount":{"number":10.5,"currency_code":"USD"},"idempotency_key":"k"}', 'decimal string, not float'],
      'int amount' => ['{"transition":"capture","amount":{"number":10,"currency_code":"USD"},"idempotency_key":"k"}', 'decimal string, not int'],
      'exponent amount' => ['{"transition":"capture","amount":{"number":"1e2","currency_code":"USD"},"idempotency_key":"k"}', 'not a decimal string'],
      'zero amount' => ['{"transition":"capture","amount":{"number":"0.00","currency_code":"USD"},"idempotency_key":"k"}', 'greater than zero'],
      'negative amount' => ['{"transition":"partially_refund","amount":{"number":"-1","currency_code":"USD"},"idempotency_key":"k"}', 'greater than zero'],
      'bad currency' => ['{"transition":"capture","amount":{"number":"1","currency_code":"usd"},"idempotency_key":"k"}', 'ISO 4217'],
      'no currency' => ['{"transition":"capture","amount":{"number":"1"},"idempotency_key":"k"}', 'currency_code must be a string'],
      'amount list' => ['{"transition":"capture","amount":["1","USD"],"idempotency_key":"k"}', 'must be an object'],
      'amount extra' => ['{"transition":"capture","amount":{"number":"1","currency_code":"USD","formatted":"$1"},"idempotency_key":"k"}', 'unknown member(s) in amount: formatted'],
      'remote state int' => ['{"transition":"void","remote_state":3,"idempotency_key":"k"}', 'remote_state must be a string'],
      'remote state long' => [json_encode(['transition' => 'void', 'remote_state' => str_repeat('s', 256), 'idempotency_key' => 'k']), 'at most 255'],
      'too big' => ['{"transition":"void","idempotency_key":"k","x":"' . str_repeat('x', 9000) . '"}', 'larger than'],
    ];
  }

  public function testFingerprintIgnoresAmountSpellingAndMemberOrder(): void {
    $a = TransitionRequest::fromJson('{"transition":"capture","amount":{"number":"10.0","currency_code":"USD"},"idempotency_key":"k"}');
    $b = TransitionRequest::fromJson('{"idempotency_key":"k","amount":{"currency_code":"USD","number":"10.00"},"transition":"capture"}');
    $this->assertSame($a->fingerprint('p1'), $b->fingerprint('p1'));
  }

  public function testFingerprintDependsOnWhatIsAsked(): void {
    $base = TransitionRequest::fromJson('{"transition":"capture","amount":{"number":"10","currency_code":"USD"},"idempotency_key":"k"}');
    $fp = $base->fingerprint('p1');
    $this->assertNotSame($fp, $base->fingerprint('p2'));
    foreach ([
      '{"transition":"capture","amount":{"number":"11","currency_code":"USD"},"idempotency_key":"k"}',
      '{"transition":"capture","amount":{"number":"10","currency_code":"EUR"},"idempotency_key":"k"}',
      '{"transition":"capture","idempotency_key":"k"}',
      '{"transition":"capture","amount":{"number":"10","currency_code":"USD"},"remote_state":"x","idempotency_key":"k"}',
      '{"transition":"void","idempotency_key":"k"}',
    ] as $raw) {
      $this->assertNotSame($fp, TransitionRequest::fromJson($raw)->fingerprint('p1'), $raw);
    }
  }

}
