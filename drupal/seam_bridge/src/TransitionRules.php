<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Which payment transitions seam may apply, and what they do to the amounts.
 *
 * Pure PHP. States and transition ids follow Commerce 3.x
 * commerce_payment.workflows.yml (payment_default, payment_manual), with one
 * documented difference: "partially_refund" is also accepted from
 * "partially_refunded" (a second partial refund), as Commerce's own gateways
 * do (canRefundPayment() allows completed and partially_refunded, and
 * refundPayment() keeps the state). Like those gateways, a partial refund
 * that reaches the full amount ends in "refunded".
 *
 * Creation-time transitions (authorize, authorize_capture, create, receive)
 * are not offered: seam creates payments in their state over JSON:API.
 */
final class TransitionRules {

  /**
   * workflow id => transition id => [from states, to state].
   */
  public const WORKFLOWS = [
    'payment_default' => [
      'capture' => [['authorization'], 'completed'],
      'void' => [['authorization'], 'authorization_voided'],
      'expire' => [['authorization'], 'authorization_expired'],
      'partially_refund' => [['completed', 'partially_refunded'], 'partially_refunded'],
      'refund' => [['completed', 'partially_refunded'], 'refunded'],
    ],
    'payment_manual' => [
      'void' => [['pending'], 'voided'],
      'partially_refund' => [['completed', 'partially_refunded'], 'partially_refunded'],
      'refund' => [['completed', 'partially_refunded'], 'refunded'],
    ],
  ];

  /**
   * Whether $transition may be applied to a payment in $state.
   */
  public static function isAllowed(string $workflow, string $transition, string $state): bool {
    $t = self::WORKFLOWS[$workflow][$transition] ?? NULL;
    return $t !== NULL && in_array($state, $t[0], TRUE);
  }

  /**
   * The transitions allowed from $state, in workflow order.
   *
   * @return string[]
   */
  public static function allowedFrom(string $workflow, string $state): array {
    $out = [];
    foreach (self::WORKFLOWS[$workflow] ?? [] as $id => $t) {
      if (in_array($state, $t[0], TRUE)) {
        $out[] = $id;
      }
    }
    return $out;
  }

  /**
   * Works out the payment after a transition, without touching anything.
   *
   * @param string $workflow
   *   The payment's workflow id (payment_default or payment_manual).
   * @param string $state
   *   The payment's current state id.
   * @param \Drupal\seam_bridge\TransitionRequest $request
   *   The validated request.
   * @param \Drupal\seam_bridge\Money $amount
   *   The payment's amount (authorized or captured).
   * @param \Drupal\seam_bridge\Money $refunded
   *   The payment's refunded amount (zero when none).
   *
   * @return array{state: string, amount: Money, refunded_amount: Money}
   *   The new state, amount and refunded amount.
   *
   * @throws \Drupal\seam_bridge\TransitionNotAllowedException
   *   The transition is not allowed from $state (409).
   * @throws \Drupal\seam_bridge\InvalidRequestException
   *   The amount is wrong for this payment (422).
   */
  public static function apply(string $workflow, string $state, TransitionRequest $request, Money $amount, Money $refunded): array {
    $transition = $request->transition;
    if (!self::isAllowed($workflow, $transition, $state)) {
      throw new TransitionNotAllowedException($state, $transition);
    }
    $to = self::WORKFLOWS[$workflow][$transition][1];
    $req = $request->amount;
    if ($req !== NULL && $req->currency() !== $amount->currency()) {
      throw new InvalidRequestException(sprintf('amount currency %s does not match the payment currency %s', $req->currency(), $amount->currency()));
    }
    $balance = $amount->subtract($refunded);

    switch ($transition) {
      case 'capture':
        if ($req !== NULL) {
          if ($req->compare($amount) > 0) {
            throw new InvalidRequestException(sprintf('capture amount %s is more than the authorized amount %s', $req->number(), $amount->number()));
          }
          $amount = $req;
        }
        return ['state' => $to, 'amount' => $amount, 'refunded_amount' => $refunded];

      case 'void':
      case 'expire':
        if ($req !== NULL) {
          throw new InvalidRequestException($transition . ' takes no amount (send null)');
        }
        return ['state' => $to, 'amount' => $amount, 'refunded_amount' => $refunded];

      case 'partially_refund':
        if ($req === NULL) {
          throw new InvalidRequestException('partially_refund needs an amount');
        }
        if ($req->compare($balance) > 0) {
          throw new InvalidRequestException(sprintf('refund amount %s is more than the refundable balance %s', $req->number(), $balance->number()));
        }
        $newRefunded = $refunded->add($req);
        $newState = $newRefunded->compare($amount) < 0 ? 'partially_refunded' : 'refunded';
        return ['state' => $newState, 'amount' => $amount, 'refunded_amount' => $newRefunded];

      case 'refund':
        if ($req !== NULL && !$req->equals($balance)) {
          throw new InvalidRequestException(sprintf('refund amount %s must equal the refundable balance %s (use partially_refund for less)', $req->number(), $balance->number()));
        }
        return ['state' => $to, 'amount' => $amount, 'refunded_amount' => $refunded->add($balance)];
    }
    // Unreachable: isAllowed() only knows the cases above.
    throw new TransitionNotAllowedException($state, $transition);
  }

}
