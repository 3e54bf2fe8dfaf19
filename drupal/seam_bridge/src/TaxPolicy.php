<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The storefront's tax settings and decisions: when a quote is reused, what
 * a failed quote means, what the customer is told.
 *
 * Pure PHP, no Drupal dependency (immutable). Built from the "tax" part of
 * seam_bridge.settings by fromConfig(), which falls back to the defaults for
 * anything missing or out of range:
 *
 * - timeout 1.5 s: the whole quote call. seam answers within its own budget
 *   (800 ms by default, its estimate included), so 1.5 s leaves room for the
 *   network and stays far below what a customer (or PHP) waits for a page.
 * - fallback "block": when seam does not answer (down, unreachable, too
 *   slow, a 5xx, an answer that does not fit the cart, no API key), the
 *   order has no tax and cannot be placed through checkout; the customer is
 *   told so, and the step before payment retries the quote. "zero_with_flag"
 *   lets the order be placed without tax and flags it for staff. block is
 *   the default because seam already falls back to an estimate when the tax
 *   engine is down: seam itself not answering is rare, and charging no tax
 *   silently is the failure the integration exists to prevent.
 * - seam's own 503 "tax-unavailable" (seam has no tax and the store's policy
 *   in seam says block) blocks whatever the fallback here says.
 * - a failed quote holds for RETRY_AFTER (15 s) for the same cart: a
 *   refresh within it is answered with the same failure, without a call
 *   (with seam hanging, every save of a draft order would otherwise wait
 *   the whole timeout); checkout's retry before payment does not wait.
 * - estimate_reuse 60 s: an answer with source "estimate" serves an
 *   unchanged cart for this long, then the next refresh asks again (the
 *   engine may be back); engine and cache answers serve an unchanged cart
 *   for as long as it stays unchanged (the date is part of the cart, so at
 *   most until the day changes).
 *
 * The order's tax state (order data DATA_KEY), written by TaxQuoter, is one
 * of:
 *   quoted      key, at, answer (TaxQuoteResult::toArray()), source,
 *               estimate_reason, quote_key, key_matches, tax, currency
 *   missing     key (NULL when the cart could not be built), at, reason,
 *               fallback (the effective one), seam_blocks
 *   no_address  at, fallback
 *   retry       (checkout asks the quote again; see blocks())
 * each with the counters calls (quote calls made for the order) and reuses
 * (refreshes answered from the order's data).
 */
final class TaxPolicy {

  public const FALLBACK_BLOCK = 'block';
  public const FALLBACK_ZERO = 'zero_with_flag';
  public const FALLBACKS = [self::FALLBACK_BLOCK, self::FALLBACK_ZERO];
  public const DEFAULT_FALLBACK = self::FALLBACK_BLOCK;

  public const DEFAULT_TIMEOUT = 1.5;
  public const MIN_TIMEOUT = 0.2;
  public const MAX_TIMEOUT = 10.0;

  public const DEFAULT_ESTIMATE_REUSE = 60;

  /**
   * Seconds a failed quote answers the same cart without a call.
   */
  public const RETRY_AFTER = 15;
  public const MAX_ESTIMATE_REUSE = 86400;

  /**
   * Where the API key is looked up by default (SecretResolver sources).
   */
  public const KEY_SETTING = 'seam_bridge_api_key';
  public const KEY_ENV = 'SEAM_BRIDGE_API_KEY';

  /**
   * The order data key of the order's tax state.
   */
  public const DATA_KEY = 'seam_tax';

  public const STATUS_QUOTED = 'quoted';
  public const STATUS_MISSING = 'missing';
  public const STATUS_NO_ADDRESS = 'no_address';
  public const STATUS_RETRY = 'retry';

  /**
   * The customer's messages (templates for t()).
   */
  public const MSG_BLOCKED = 'The tax on your order cannot be calculated right now, so the order cannot be placed yet. Please try again in a few minutes.';
  public const MSG_NO_ADDRESS = 'The tax on your order needs your address. Enter it, then continue.';
  public const MSG_RECALCULATED = 'The tax on your order has now been calculated. Check the total, then confirm your order again.';

  /**
   * seam's problem type for "no tax, and the store's policy says block".
   */
  public const PROBLEM_TAX_UNAVAILABLE = 'tax-unavailable';

  private function __construct(
    public readonly string $fallback,
    public readonly float $timeout,
    public readonly int $estimateReuse,
  ) {}

  /**
   * The policy from the "tax" settings; defaults for what is missing or out
   * of range (see the class comment).
   *
   * @param array<string, mixed> $tax
   */
  public static function fromConfig(array $tax): self {
    $fallback = in_array($tax['fallback'] ?? NULL, self::FALLBACKS, TRUE) ? $tax['fallback'] : self::DEFAULT_FALLBACK;
    $timeout = is_numeric($tax['timeout'] ?? NULL) ? (float) $tax['timeout'] : self::DEFAULT_TIMEOUT;
    if ($timeout < self::MIN_TIMEOUT || $timeout > self::MAX_TIMEOUT) {
      $timeout = self::DEFAULT_TIMEOUT;
    }
    $reuse = is_numeric($tax['estimate_reuse'] ?? NULL) ? (int) $tax['estimate_reuse'] : self::DEFAULT_ESTIMATE_REUSE;
    if ($reuse < 0 || $reuse > self::MAX_ESTIMATE_REUSE) {
      $reuse = self::DEFAULT_ESTIMATE_REUSE;
    }
    return new self($fallback, $timeout, $reuse);
  }

  /**
   * "{base}/v1/tax/quote"; NULL when the base URL is not http(s).
   */
  public static function quoteUrl(string $baseUrl): ?string {
    $baseUrl = rtrim(trim($baseUrl), '/');
    if (!preg_match('~^https?://[^/\s?#]+(/[^\s?#]*)?$~', $baseUrl)) {
      return NULL;
    }
    return $baseUrl . '/v1/tax/quote';
  }

  /**
   * Whether a value looks like a seam API key: "seam_<12-character
   * prefix>_<secret>" as `seam ctl keys create` prints it (base64url), under
   * 64 characters.
   */
  public static function isUsableKey(?string $key): bool {
    return $key !== NULL && strlen($key) < 64 && (bool) preg_match('/^seam_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]+$/', $key);
  }

  /**
   * Whether the order's last answer serves a refresh of the cart with this
   * key, without a call.
   *
   * @param array<string, mixed>|null $state
   *   The order's tax state.
   */
  public function shouldReuse(?array $state, string $key, int $now): bool {
    if (($state['status'] ?? NULL) !== self::STATUS_QUOTED || ($state['key'] ?? NULL) !== $key || !is_array($state['answer'] ?? NULL)) {
      return FALSE;
    }
    if (($state['answer']['source'] ?? NULL) === TaxQuoteResult::SOURCE_ESTIMATE) {
      return $now - (int) ($state['at'] ?? 0) < $this->estimateReuse;
    }
    return TRUE;
  }

  /**
   * Whether the order's last quote, which failed for the same cart less than
   * RETRY_AFTER seconds ago, answers this refresh without a call.
   *
   * @param array<string, mixed>|null $state
   */
  public static function holdsFailure(?array $state, string $key, int $now): bool {
    return ($state['status'] ?? NULL) === self::STATUS_MISSING && ($state['key'] ?? NULL) === $key
      && $now - (int) ($state['at'] ?? 0) < self::RETRY_AFTER;
  }

  /**
   * Whether the order's tax state keeps it from being placed (checkout).
   *
   * @param array<string, mixed>|null $state
   */
  public static function blocks(?array $state): bool {
    return in_array($state['status'] ?? NULL, [self::STATUS_MISSING, self::STATUS_NO_ADDRESS], TRUE)
      && ($state['fallback'] ?? NULL) === self::FALLBACK_BLOCK;
  }

  /**
   * The customer's message for a state that blocks ('' when it does not).
   *
   * @param array<string, mixed>|null $state
   */
  public static function blockedMessage(?array $state): string {
    if (!self::blocks($state)) {
      return '';
    }
    return $state['status'] === self::STATUS_NO_ADDRESS ? self::MSG_NO_ADDRESS : self::MSG_BLOCKED;
  }

  /**
   * Why a non-200 answer is not a quote, and whether seam itself said to
   * block (503 with the problem type tax-unavailable).
   *
   * @return array{0: string, 1: bool}
   *   The reason (one line, for staff and logs) and seam_blocks.
   */
  public static function refusal(int $status, string $body): array {
    $problem = json_decode($body, TRUE);
    $detail = '';
    $type = '';
    if (is_array($problem)) {
      $detail = is_string($problem['detail'] ?? NULL) ? $problem['detail'] : (is_string($problem['title'] ?? NULL) ? $problem['title'] : '');
      $type = is_string($problem['type'] ?? NULL) ? $problem['type'] : '';
    }
    $detail = trim((string) preg_replace('/\s+/', ' ', $detail));
    if (mb_strlen($detail) > 300) {
      $detail = mb_substr($detail, 0, 300) . '...';
    }
    $reason = sprintf('seam answered HTTP %d', $status) . ($detail !== '' ? ': ' . $detail : '');
    $seamBlocks = $status === 503 && (str_ends_with($type, '/' . self::PROBLEM_TAX_UNAVAILABLE) || $type === self::PROBLEM_TAX_UNAVAILABLE);
    return [$reason, $seamBlocks];
  }

}
