<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The one payment a transition request is about, as TransitionHandler sees it.
 *
 * Implemented over a commerce_payment entity by
 * \Drupal\seam_bridge\Payment\EntityPaymentPort, and by fakes in unit tests.
 */
interface PaymentPort {

  public function uuid(): string;

  /**
   * The payment's workflow id (payment_default or payment_manual).
   */
  public function workflowId(): string;

  public function state(): string;

  public function amount(): Money;

  /**
   * The refunded amount; zero in the payment currency when none.
   */
  public function refundedAmount(): Money;

  /**
   * Writes the new state and amounts (and remote_state when not NULL) and
   * saves the payment.
   */
  public function save(string $state, Money $amount, Money $refundedAmount, ?string $remoteState): void;

  /**
   * The 200 response fields of the payment as it is now (without "replayed").
   *
   * @return array<string, mixed>
   */
  public function snapshot(): array;

}
