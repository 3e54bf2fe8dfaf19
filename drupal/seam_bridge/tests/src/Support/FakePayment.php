<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\PaymentPort;
use Drupal\seam_bridge\TransitionHandler;

/**
 * In-memory payment for the handler tests.
 */
final class FakePayment implements PaymentPort {

  public int $saves = 0;

  public function __construct(
    public string $state,
    public Money $amount,
    public Money $refunded,
    public ?string $remoteState = 'requires_capture',
    public string $workflow = 'payment_default',
    public string $id = '8063751b-528d-4d1e-812a-5f967abedf21',
  ) {}

  public function uuid(): string {
    return $this->id;
  }

  public function workflowId(): string {
    return $this->workflow;
  }

  public function state(): string {
    return $this->state;
  }

  public function amount(): Money {
    return $this->amount;
  }

  public function refundedAmount(): Money {
    return $this->refunded;
  }

  public function save(string $state, Money $amount, Money $refundedAmount, ?string $remoteState): void {
    $this->saves++;
    $this->state = $state;
    $this->amount = $amount;
    $this->refunded = $refundedAmount;
    if ($remoteState !== NULL) {
      $this->remoteState = $remoteState;
    }
  }

  public function snapshot(): array {
    return TransitionHandler::paymentBody($this->id, $this->state, $this->amount, $this->refunded, 'pi_123', $this->remoteState, '5bdfd1e8-dfad-41ac-a514-1b58d123e678');
  }

}
