<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\TransitionHandler;
use Drupal\seam_bridge\TransitionRequest;
use Drupal\Tests\seam_bridge\Support\FakePayment;
use Drupal\Tests\seam_bridge\Support\FakeStore;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\TransitionHandler
 */
final class TransitionHandlerTest extends TestCase {

  private static function req(array $body): TransitionRequest {
    return TransitionRequest::fromArray($body + ['idempotency_key' => 'k1']);
  }

  private static function authorized(): FakePayment {
    return new FakePayment('authorization', Money::of('39.98', 'USD'), Money::of('0', 'USD'));
  }

  public function testCaptureAppliesAndAnswersThePayment(): void {
    $p = self::authorized();
    $store = new FakeStore();
    [$status, $body] = TransitionHandler::handle(self::req(['transition' => 'capture', 'remote_state' => 'succeeded']), $p, $store);
    $this->assertSame(200, $status);
    $this->assertSame([
      'uuid' => '8063751b-528d-4d1e-812a-5f967abedf21',
      'state' => 'completed',
      'amount' => ['number' => '39.98', 'currency_code' => 'USD'],
      'refunded_amount' => ['number' => '0', 'currency_code' => 'USD'],
      'remote_id' => 'pi_123',
      'remote_state' => 'succeeded',
      'order_uuid' => '5bdfd1e8-dfad-41ac-a514-1b58d123e678',
      'replayed' => FALSE,
    ], $body);
    $this->assertSame(1, $p->saves);
    $this->assertCount(1, $store->rows);
  }

  public function testSameKeyTwiceAppliesOnceAndAnswersTheSame(): void {
    $p = self::authorized();
    $store = new FakeStore();
    $req = self::req(['transition' => 'capture', 'amount' => ['number' => '30.00', 'currency_code' => 'USD']]);
    [, $first] = TransitionHandler::handle($req, $p, $store);
    [$status, $second] = TransitionHandler::handle($req, $p, $store);
    $this->assertSame(200, $status);
    $this->assertSame(1, $p->saves);
    $this->assertTrue($second['replayed']);
    $first['replayed'] = TRUE;
    $this->assertSame($first, $second);
    $this->assertSame('30', $second['amount']['number']);
  }

  public function testReplayAnswersTheStoredResultEvenAfterLaterChanges(): void {
    $p = new FakePayment('completed', Money::of('20.00', 'USD'), Money::of('0', 'USD'));
    $store = new FakeStore();
    $r1 = self::req(['transition' => 'partially_refund', 'amount' => ['number' => '5.00', 'currency_code' => 'USD'], 'idempotency_key' => 'r1']);
    $r2 = self::req(['transition' => 'partially_refund', 'amount' => ['number' => '5.00', 'currency_code' => 'USD'], 'idempotency_key' => 'r2']);
    TransitionHandler::handle($r1, $p, $store);
    [, $b2] = TransitionHandler::handle($r2, $p, $store);
    $this->assertSame('10', $b2['refunded_amount']['number']);
    [$status, $again] = TransitionHandler::handle($r1, $p, $store);
    $this->assertSame(200, $status);
    $this->assertSame('5', $again['refunded_amount']['number']);
    $this->assertSame(2, $p->saves);
    $this->assertSame('10.00', $p->refunded->number());
  }

  public function testKeyReusedForADifferentRequestIs422(): void {
    $p = self::authorized();
    $store = new FakeStore();
    TransitionHandler::handle(self::req(['transition' => 'capture']), $p, $store);
    [$status, $body] = TransitionHandler::handle(self::req(['transition' => 'refund']), $p, $store);
    $this->assertSame(422, $status);
    $this->assertSame(['error' => 'invalid_request', 'detail' => 'idempotency_key was already used for a different request'], $body);
    $this->assertSame(1, $p->saves);
  }

  public function testKeyReusedForAnotherPaymentIs422(): void {
    $store = new FakeStore();
    TransitionHandler::handle(self::req(['transition' => 'capture']), self::authorized(), $store);
    $other = new FakePayment('authorization', Money::of('1', 'USD'), Money::of('0', 'USD'), NULL, 'payment_default', 'other-uuid');
    [$status] = TransitionHandler::handle(self::req(['transition' => 'capture']), $other, $store);
    $this->assertSame(422, $status);
    $this->assertSame(0, $other->saves);
  }

  public function testImpossibleTransitionIs409AndNotStored(): void {
    $p = new FakePayment('authorization_voided', Money::of('39.98', 'USD'), Money::of('0', 'USD'));
    $store = new FakeStore();
    [$status, $body] = TransitionHandler::handle(self::req(['transition' => 'capture']), $p, $store);
    $this->assertSame(409, $status);
    $this->assertSame(['error' => 'transition_not_allowed', 'current_state' => 'authorization_voided', 'transition' => 'capture'], $body);
    $this->assertSame(0, $p->saves);
    $this->assertSame([], $store->rows);
  }

  public function testSecondCaptureWithNewKeyIs409(): void {
    $p = self::authorized();
    $store = new FakeStore();
    TransitionHandler::handle(self::req(['transition' => 'capture']), $p, $store);
    [$status, $body] = TransitionHandler::handle(self::req(['transition' => 'capture', 'idempotency_key' => 'k2']), $p, $store);
    $this->assertSame(409, $status);
    $this->assertSame('completed', $body['current_state']);
  }

  public function testBadAmountIs422AndNotStored(): void {
    $p = new FakePayment('completed', Money::of('20.00', 'USD'), Money::of('0', 'USD'));
    $store = new FakeStore();
    [$status, $body] = TransitionHandler::handle(self::req(['transition' => 'partially_refund', 'amount' => ['number' => '20.01', 'currency_code' => 'USD']]), $p, $store);
    $this->assertSame(422, $status);
    $this->assertSame('invalid_request', $body['error']);
    $this->assertStringContainsString('more than the refundable balance 20.00', $body['detail']);
    $this->assertSame([], $store->rows);
    // The same key may then be used for a corrected request.
    [$status] = TransitionHandler::handle(self::req(['transition' => 'partially_refund', 'amount' => ['number' => '20.00', 'currency_code' => 'USD']]), $p, $store);
    $this->assertSame(200, $status);
    $this->assertSame('refunded', $p->state);
  }

  public function testRemoteStateKeptWhenNull(): void {
    $p = self::authorized();
    [, $body] = TransitionHandler::handle(self::req(['transition' => 'void']), $p, new FakeStore());
    $this->assertSame('requires_capture', $body['remote_state']);
    $this->assertSame('authorization_voided', $body['state']);
  }

}
