<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\InvalidRequestException;
use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\TransitionNotAllowedException;
use Drupal\seam_bridge\TransitionRequest;
use Drupal\seam_bridge\TransitionRules;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\TransitionRules
 */
final class TransitionRulesTest extends TestCase {

  private const DEFAULT_STATES = ['new', 'authorization', 'authorization_voided', 'authorization_expired', 'completed', 'partially_refunded', 'refunded'];
  private const MANUAL_STATES = ['new', 'pending', 'completed', 'partially_refunded', 'refunded', 'voided'];

  /**
   * Expected allowed (workflow, transition) => from states.
   */
  private const ALLOWED = [
    'payment_default' => [
      'capture' => ['authorization'],
      'void' => ['authorization'],
      'expire' => ['authorization'],
      'partially_refund' => ['completed', 'partially_refunded'],
      'refund' => ['completed', 'partially_refunded'],
    ],
    'payment_manual' => [
      'capture' => [],
      'void' => ['pending'],
      'expire' => [],
      'partially_refund' => ['completed', 'partially_refunded'],
      'refund' => ['completed', 'partially_refunded'],
    ],
  ];

  private static function req(string $transition, ?string $number = NULL, string $currency = 'USD'): TransitionRequest {
    return TransitionRequest::fromArray([
      'transition' => $transition,
      'amount' => $number === NULL ? NULL : ['number' => $number, 'currency_code' => $currency],
      'idempotency_key' => 'k',
    ]);
  }

  private static function usd(string $n): Money {
    return Money::of($n, 'USD');
  }

  public static function matrix(): array {
    $rows = [];
    foreach (['payment_default' => self::DEFAULT_STATES, 'payment_manual' => self::MANUAL_STATES] as $wf => $states) {
      foreach (TransitionRequest::TRANSITIONS as $t) {
        foreach ($states as $s) {
          $rows["$wf $t from $s"] = [$wf, $t, $s, in_array($s, self::ALLOWED[$wf][$t], TRUE)];
        }
      }
    }
    return $rows;
  }

  /**
   * @dataProvider matrix
   */
  public function testAllowedMatrix(string $workflow, string $transition, string $state, bool $allowed): void {
    $this->assertSame($allowed, TransitionRules::isAllowed($workflow, $transition, $state));
    $amount = in_array($transition, ['partially_refund'], TRUE) ? '1.00' : NULL;
    try {
      $out = TransitionRules::apply($workflow, $state, self::req($transition, $amount), self::usd('10.00'), self::usd('0'));
      $this->assertTrue($allowed, "applied $transition from $state");
      $this->assertNotSame('', $out['state']);
    }
    catch (TransitionNotAllowedException $e) {
      $this->assertFalse($allowed, "refused $transition from $state");
      $this->assertSame($state, $e->currentState);
      $this->assertSame($transition, $e->transition);
    }
  }

  public function testUnknownWorkflowAllowsNothing(): void {
    $this->assertFalse(TransitionRules::isAllowed('payment_custom', 'capture', 'authorization'));
    $this->assertSame([], TransitionRules::allowedFrom('payment_custom', 'authorization'));
    $this->assertSame(['capture', 'void', 'expire'], TransitionRules::allowedFrom('payment_default', 'authorization'));
    $this->assertSame(['partially_refund', 'refund'], TransitionRules::allowedFrom('payment_default', 'partially_refunded'));
  }

  public function testCaptureFullAmountWhenNoneGiven(): void {
    $out = TransitionRules::apply('payment_default', 'authorization', self::req('capture'), self::usd('39.98'), self::usd('0'));
    $this->assertSame('completed', $out['state']);
    $this->assertSame('39.98', $out['amount']->number());
    $this->assertSame('0', $out['refunded_amount']->number());
  }

  public function testPartialCaptureSetsAmount(): void {
    $out = TransitionRules::apply('payment_default', 'authorization', self::req('capture', '30.00'), self::usd('39.98'), self::usd('0'));
    $this->assertSame('completed', $out['state']);
    $this->assertSame('30.00', $out['amount']->number());
  }

  public function testCaptureMoreThanAuthorizedIsRefused(): void {
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('capture amount 39.99 is more than the authorized amount 39.98');
    TransitionRules::apply('payment_default', 'authorization', self::req('capture', '39.99'), self::usd('39.98'), self::usd('0'));
  }

  public function testCurrencyMismatchIsRefused(): void {
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('amount currency EUR does not match the payment currency USD');
    TransitionRules::apply('payment_default', 'authorization', self::req('capture', '10', 'EUR'), self::usd('39.98'), self::usd('0'));
  }

  public function testStateIsCheckedBeforeAmount(): void {
    try {
      TransitionRules::apply('payment_default', 'completed', self::req('capture', '10', 'EUR'), self::usd('39.98'), self::usd('0'));
      $this->fail('applied');
    }
    catch (TransitionNotAllowedException $e) {
      $this->assertSame('completed', $e->currentState);
    }
  }

  public function testVoidAndExpireTakeNoAmount(): void {
    $out = TransitionRules::apply('payment_default', 'authorization', self::req('void'), self::usd('5'), self::usd('0'));
    $this->assertSame('authorization_voided', $out['state']);
    $out = TransitionRules::apply('payment_default', 'authorization', self::req('expire'), self::usd('5'), self::usd('0'));
    $this->assertSame('authorization_expired', $out['state']);
    $out = TransitionRules::apply('payment_manual', 'pending', self::req('void'), self::usd('5'), self::usd('0'));
    $this->assertSame('voided', $out['state']);
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('void takes no amount');
    TransitionRules::apply('payment_default', 'authorization', self::req('void', '5'), self::usd('5'), self::usd('0'));
  }

  public function testPartialRefundsAccumulate(): void {
    $out = TransitionRules::apply('payment_default', 'completed', self::req('partially_refund', '10.00'), self::usd('39.98'), self::usd('0'));
    $this->assertSame('partially_refunded', $out['state']);
    $this->assertSame('10.00', $out['refunded_amount']->number());
    $out = TransitionRules::apply('payment_default', $out['state'], self::req('partially_refund', '9.99'), $out['amount'], $out['refunded_amount']);
    $this->assertSame('partially_refunded', $out['state']);
    $this->assertSame('19.99', $out['refunded_amount']->number());
    $this->assertSame('39.98', $out['amount']->number());
  }

  public function testPartialRefundOfTheWholeBalanceEndsRefunded(): void {
    $out = TransitionRules::apply('payment_default', 'partially_refunded', self::req('partially_refund', '29.98'), self::usd('39.98'), self::usd('10.00'));
    $this->assertSame('refunded', $out['state']);
    $this->assertSame('39.98', $out['refunded_amount']->number());
  }

  public function testPartialRefundBeyondBalanceIsRefused(): void {
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('refund amount 29.99 is more than the refundable balance 29.98');
    TransitionRules::apply('payment_default', 'partially_refunded', self::req('partially_refund', '29.99'), self::usd('39.98'), self::usd('10.00'));
  }

  public function testPartialRefundNeedsAmount(): void {
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('partially_refund needs an amount');
    TransitionRules::apply('payment_default', 'completed', self::req('partially_refund'), self::usd('39.98'), self::usd('0'));
  }

  public function testFullRefundSetsRefundedToAmount(): void {
    $out = TransitionRules::apply('payment_default', 'partially_refunded', self::req('refund'), self::usd('39.98'), self::usd('10.00'));
    $this->assertSame('refunded', $out['state']);
    $this->assertSame('39.98', $out['refunded_amount']->number());
    $out = TransitionRules::apply('payment_default', 'partially_refunded', self::req('refund', '29.98'), self::usd('39.98'), self::usd('10.00'));
    $this->assertSame('39.98', $out['refunded_amount']->number());
    $out = TransitionRules::apply('payment_default', 'completed', self::req('refund', '39.980'), self::usd('39.98'), self::usd('0'));
    $this->assertSame('refunded', $out['state']);
    $this->assertSame(0, $out['refunded_amount']->compare(self::usd('39.98')));
  }

  public function testFullRefundWithAnotherAmountIsRefused(): void {
    $this->expectException(InvalidRequestException::class);
    $this->expectExceptionMessage('refund amount 39.98 must equal the refundable balance 29.98');
    TransitionRules::apply('payment_default', 'partially_refunded', self::req('refund', '39.98'), self::usd('39.98'), self::usd('10.00'));
  }

}
