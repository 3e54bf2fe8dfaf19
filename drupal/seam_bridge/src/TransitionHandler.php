<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Applies one validated transition request to one payment, exactly once.
 *
 * Pure PHP over PaymentPort and IdempotencyStore. The caller holds a lock on
 * the payment (and a database transaction) around handle(), so check, apply
 * and record cannot interleave with a second request for the same payment.
 *
 * Outcomes (HTTP status, body):
 * - key seen with the same request: 200, the stored body with replayed=true;
 * - key seen with a different request (other payment, transition, amount or
 *   remote_state): 422 invalid_request;
 * - transition not allowed from the current state: 409 transition_not_allowed
 *   with current_state (nothing stored: asking again re-checks);
 * - bad amount for this payment: 422 invalid_request (nothing stored);
 * - otherwise the payment is saved, the body stored under the key, and 200
 *   with replayed=false.
 */
final class TransitionHandler {

  /**
   * @return array{0: int, 1: array<string, mixed>}
   *   HTTP status and JSON body.
   */
  public static function handle(TransitionRequest $request, PaymentPort $payment, IdempotencyStore $store): array {
    $fingerprint = $request->fingerprint($payment->uuid());
    $seen = $store->find($request->idempotencyKey);
    if ($seen !== NULL) {
      if (!hash_equals($seen['fingerprint'], $fingerprint)) {
        return [422, self::invalid('idempotency_key was already used for a different request')];
      }
      $body = json_decode($seen['response'], TRUE);
      if (is_array($body)) {
        $body['replayed'] = TRUE;
        return [200, $body];
      }
    }
    try {
      $out = TransitionRules::apply($payment->workflowId(), $payment->state(), $request, $payment->amount(), $payment->refundedAmount());
    }
    catch (TransitionNotAllowedException $e) {
      return [409, self::conflict($e->currentState, $e->transition)];
    }
    catch (InvalidRequestException $e) {
      return [422, self::invalid($e->getMessage())];
    }
    $payment->save($out['state'], $out['amount'], $out['refunded_amount'], $request->remoteState);
    $body = $payment->snapshot();
    $body['replayed'] = FALSE;
    $store->save($request->idempotencyKey, $payment->uuid(), $fingerprint, json_encode($body, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
    return [200, $body];
  }

  /**
   * The 409 body.
   */
  public static function conflict(string $currentState, string $transition): array {
    return ['error' => 'transition_not_allowed', 'current_state' => $currentState, 'transition' => $transition];
  }

  /**
   * The 422 body.
   */
  public static function invalid(string $detail): array {
    return ['error' => 'invalid_request', 'detail' => $detail];
  }

  /**
   * The 200 body fields of a payment (without "replayed").
   *
   * Numbers are canonical decimal strings (trailing zeros trimmed, "30",
   * "12.5"), as Commerce itself prints prices over JSON:API.
   *
   * @return array<string, mixed>
   */
  public static function paymentBody(string $uuid, string $state, Money $amount, Money $refunded, ?string $remoteId, ?string $remoteState, ?string $orderUuid): array {
    return [
      'uuid' => $uuid,
      'state' => $state,
      'amount' => ['number' => $amount->canonical(), 'currency_code' => $amount->currency()],
      'refunded_amount' => ['number' => $refunded->canonical(), 'currency_code' => $refunded->currency()],
      'remote_id' => ($remoteId === NULL || $remoteId === '') ? NULL : $remoteId,
      'remote_state' => ($remoteState === NULL || $remoteState === '') ? NULL : $remoteState,
      'order_uuid' => $orderUuid,
    ];
  }

}
