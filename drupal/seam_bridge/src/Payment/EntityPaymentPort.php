<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Payment;

use Drupal\commerce_payment\Entity\PaymentInterface;
use Drupal\commerce_price\Price;
use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\PaymentPort;
use Drupal\seam_bridge\TransitionHandler;

/**
 * PaymentPort over a commerce_payment entity.
 *
 * save() uses the payment entity API the way Commerce's gateways do (set
 * state, amount, refunded amount, remote state; save). Saving makes
 * state_machine fire the payment transition events, Payment::preSave set the
 * authorized/completed timestamps, and Payment::postSave ask
 * commerce_payment.order_updater to recompute the order's total_paid (at the
 * end of the request), which in turn may fire commerce_order.order.paid.
 */
final class EntityPaymentPort implements PaymentPort {

  public function __construct(private readonly PaymentInterface $payment) {}

  public function uuid(): string {
    return (string) $this->payment->uuid();
  }

  public function workflowId(): string {
    $workflow = $this->payment->getState()->getWorkflow();
    return $workflow ? $workflow->getId() : '';
  }

  public function state(): string {
    return (string) $this->payment->getState()->getId();
  }

  public function amount(): Money {
    return self::money($this->payment->getAmount());
  }

  public function refundedAmount(): Money {
    $refunded = $this->payment->getRefundedAmount();
    return $refunded ? self::money($refunded) : Money::zero($this->amount()->currency());
  }

  public function save(string $state, Money $amount, Money $refundedAmount, ?string $remoteState): void {
    $this->payment->setState($state);
    $this->payment->setAmount(new Price($amount->number(), $amount->currency()));
    $this->payment->setRefundedAmount(new Price($refundedAmount->number(), $refundedAmount->currency()));
    if ($remoteState !== NULL) {
      $this->payment->setRemoteState($remoteState);
    }
    $this->payment->save();
  }

  public function snapshot(): array {
    $order = $this->payment->getOrder();
    return TransitionHandler::paymentBody(
      $this->uuid(),
      $this->state(),
      $this->amount(),
      $this->refundedAmount(),
      $this->payment->getRemoteId(),
      $this->payment->getRemoteState(),
      $order ? $order->uuid() : NULL,
    );
  }

  private static function money(?Price $price): Money {
    if ($price === NULL) {
      throw new \UnexpectedValueException('The payment has no amount.');
    }
    return Money::of($price->getNumber(), $price->getCurrencyCode());
  }

}
