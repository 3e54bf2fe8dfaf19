<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Puts seam's tax on an order being refreshed: reuses the order's last
 * answer when the cart has not changed, else asks seam, and records on the
 * order what happened.
 *
 * Pure PHP, no Drupal dependency: the order is a TaxOrderPort, seam a
 * TaxTransport (the Drupal glue is Tax\SeamTaxService, called by the tax
 * type plugin Plugin\Commerce\TaxType\SeamTax). One instance lives for one
 * PHP request.
 *
 * For each refresh:
 * 1. No address yet: nothing is asked, no tax, state no_address.
 * 2. The cart is built into the canonical request (TaxQuoteRequest); one
 *    that cannot be (no line with a quantity, a tax code too long, ...)
 *    is a failed quote, without a call.
 * 3. Same key as the order's last answer (lines, quantities, amounts,
 *    address, customer, date unchanged), and that answer is not an estimate
 *    older than TaxPolicy::$estimateReuse: the answer is applied again, no
 *    call. Commerce clears tax adjustments at every refresh
 *    (Order::clearAdjustments()), so this is what keeps a second refresh of
 *    an unchanged cart from calling seam.
 * 4. A key that already failed earlier in this PHP request, or failed for
 *    this order less than TaxPolicy::RETRY_AFTER seconds ago, is not asked
 *    again (a checkout step can save the order twice, and each try can cost
 *    the whole timeout): the same failure. Checkout's retry before payment
 *    (state retry) is not held.
 * 5. Otherwise seam is asked. A 200 whose answer fits the cart
 *    (TaxQuoteResult) is applied and kept; anything else (no answer, a
 *    timeout, another status, an answer that does not fit) is a failure:
 *    no tax adjustments (never a made-up number), state missing with the
 *    reason and the fallback (the policy's, or block when seam's 503 says
 *    so). A refresh after TaxPolicy::RETRY_AFTER asks again.
 */
final class TaxQuoter {

  /**
   * Failures of this PHP request by key: [reason, seam_blocks].
   *
   * @var array<string, array{0: string, 1: bool}>
   */
  private array $failed = [];

  public function quote(TaxOrderPort $order, TaxTransport $seam, TaxPolicy $policy, int $now): TaxOutcome {
    $previous = $order->state();
    $counters = [
      'calls' => (int) ($previous['calls'] ?? 0),
      'reuses' => (int) ($previous['reuses'] ?? 0),
    ];
    $cart = $order->cart();
    if ($cart === NULL) {
      $state = ['status' => TaxPolicy::STATUS_NO_ADDRESS, 'at' => $now, 'fallback' => $policy->fallback] + $counters;
      $order->setState($state);
      return new TaxOutcome(TaxOutcome::NO_ADDRESS, $state);
    }
    try {
      $request = TaxQuoteRequest::build($cart);
    }
    catch (\InvalidArgumentException $e) {
      return $this->fail($order, $policy, NULL, 'the cart cannot be quoted: ' . $e->getMessage(), FALSE, $counters, $now, FALSE);
    }
    $key = $request->key();

    if (is_array($previous) && $policy->shouldReuse($previous, $key, $now)) {
      try {
        $result = TaxQuoteResult::fromArray($previous['answer'], $request);
        $this->apply($order, $result, $request);
        $state = ['reuses' => $counters['reuses'] + 1] + $previous;
        $order->setState($state);
        return new TaxOutcome(TaxOutcome::REUSED, $state, FALSE, $result);
      }
      catch (\InvalidArgumentException $e) {
        // A kept answer this code cannot read: ask again.
      }
    }

    if (isset($this->failed[$key])) {
      [$reason, $seamBlocks] = $this->failed[$key];
      return $this->fail($order, $policy, $key, $reason, $seamBlocks, $counters, $now, FALSE);
    }
    if (is_array($previous) && TaxPolicy::holdsFailure($previous, $key, $now)) {
      // Keeps the time of the failure, so that the hold ends.
      return $this->fail($order, $policy, $key, (string) $previous['reason'], (bool) ($previous['seam_blocks'] ?? FALSE), $counters, (int) $previous['at'], FALSE);
    }

    $counters['calls']++;
    try {
      [$status, $body] = $seam->post($request->json());
    }
    catch (\RuntimeException $e) {
      return $this->fail($order, $policy, $key, $e->getMessage(), FALSE, $counters, $now, TRUE);
    }
    if ($status !== 200) {
      [$reason, $seamBlocks] = TaxPolicy::refusal($status, $body);
      return $this->fail($order, $policy, $key, $reason, $seamBlocks, $counters, $now, TRUE);
    }
    try {
      $result = TaxQuoteResult::fromJson($body, $request);
    }
    catch (\InvalidArgumentException $e) {
      return $this->fail($order, $policy, $key, "seam's answer does not fit the cart: " . $e->getMessage(), FALSE, $counters, $now, TRUE);
    }
    $this->apply($order, $result, $request);
    $state = [
      'status' => TaxPolicy::STATUS_QUOTED,
      'key' => $key,
      'at' => $now,
      'source' => $result->source,
      'estimate_reason' => $result->estimateReason,
      'quote_key' => $result->quoteKey,
      'key_matches' => $result->quoteKey === $key,
      'tax' => $result->appliedTotal($order->fractionDigits($request->currency())),
      'currency' => $request->currency(),
      'answer' => $result->toArray(),
    ] + $counters;
    $order->setState($state);
    return new TaxOutcome(TaxOutcome::QUOTED, $state, TRUE, $result);
  }

  /**
   * Adds the answer's tax to the order's lines (and shipping).
   */
  private function apply(TaxOrderPort $order, TaxQuoteResult $result, TaxQuoteRequest $request): void {
    $digits = $order->fractionDigits($request->currency());
    $label = $result->label();
    $sourceId = $result->sourceId();
    foreach ($request->lineIds() as $id) {
      $order->addLineTax($id, $result->lineTax($id, $digits), $label, $sourceId, $result->lineRate($id));
    }
    $shipping = $result->shippingTax($digits);
    if ($shipping !== NULL) {
      $order->addShippingTax($shipping, $label, $sourceId);
    }
  }

  /**
   * Records a failed quote: no tax, the reason and the fallback.
   *
   * @param array{calls: int, reuses: int} $counters
   */
  private function fail(TaxOrderPort $order, TaxPolicy $policy, ?string $key, string $reason, bool $seamBlocks, array $counters, int $now, bool $called): TaxOutcome {
    if ($key !== NULL) {
      $this->failed[$key] = [$reason, $seamBlocks];
    }
    $state = [
      'status' => TaxPolicy::STATUS_MISSING,
      'key' => $key,
      'at' => $now,
      'reason' => $reason,
      'fallback' => $seamBlocks ? TaxPolicy::FALLBACK_BLOCK : $policy->fallback,
      'seam_blocks' => $seamBlocks,
    ] + $counters;
    $order->setState($state);
    return new TaxOutcome(TaxOutcome::FAILED, $state, $called);
  }

}
