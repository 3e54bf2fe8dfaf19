<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * A parsed, validated body of POST /seam/payment/{uuid}/transition.
 *
 * Pure PHP. Contract: contracts/bridge/v1/transition-request.schema.json.
 * Body: {"transition", "amount": {number, currency_code}|null,
 * "remote_state": string|null, "idempotency_key": string}. Unknown members,
 * float numbers and over-long strings are refused with InvalidRequestException.
 */
final class TransitionRequest {

  public const TRANSITIONS = ['capture', 'void', 'expire', 'partially_refund', 'refund'];
  public const MAX_KEY_CHARS = 255;
  public const MAX_REMOTE_STATE_CHARS = 255;
  public const MAX_BODY_BYTES = 8192;

  private const MEMBERS = ['transition', 'amount', 'remote_state', 'idempotency_key'];

  private function __construct(
    public readonly string $transition,
    public readonly ?Money $amount,
    public readonly ?string $remoteState,
    public readonly string $idempotencyKey,
  ) {}

  /**
   * Parses and validates a raw JSON body.
   *
   * @throws \Drupal\seam_bridge\InvalidRequestException
   */
  public static function fromJson(string $raw): self {
    if (strlen($raw) > self::MAX_BODY_BYTES) {
      throw new InvalidRequestException('body is larger than ' . self::MAX_BODY_BYTES . ' bytes');
    }
    try {
      $data = json_decode($raw, TRUE, 8, JSON_THROW_ON_ERROR);
    }
    catch (\JsonException $e) {
      throw new InvalidRequestException('body is not valid JSON: ' . $e->getMessage());
    }
    if (!is_array($data) || ($data !== [] && array_is_list($data)) || !str_starts_with(ltrim($raw), '{')) {
      throw new InvalidRequestException('body must be a JSON object');
    }
    return self::fromArray($data);
  }

  /**
   * Validates a decoded body.
   *
   * @param array<string, mixed> $data
   *
   * @throws \Drupal\seam_bridge\InvalidRequestException
   */
  public static function fromArray(array $data): self {
    $unknown = array_diff(array_map('strval', array_keys($data)), self::MEMBERS);
    if ($unknown) {
      throw new InvalidRequestException('unknown member(s): ' . implode(', ', $unknown));
    }
    $transition = $data['transition'] ?? NULL;
    if (!is_string($transition) || !in_array($transition, self::TRANSITIONS, TRUE)) {
      throw new InvalidRequestException('transition must be one of ' . implode(', ', self::TRANSITIONS));
    }
    $key = $data['idempotency_key'] ?? NULL;
    if (!is_string($key) || $key === '') {
      throw new InvalidRequestException('idempotency_key is required (a non-empty string)');
    }
    $chars = self::charCount($key);
    if ($chars === NULL || $chars > self::MAX_KEY_CHARS) {
      throw new InvalidRequestException('idempotency_key must be valid UTF-8 of at most ' . self::MAX_KEY_CHARS . ' characters');
    }
    $remote = $data['remote_state'] ?? NULL;
    if ($remote !== NULL) {
      if (!is_string($remote)) {
        throw new InvalidRequestException('remote_state must be a string or null');
      }
      $chars = self::charCount($remote);
      if ($chars === NULL || $chars > self::MAX_REMOTE_STATE_CHARS) {
        throw new InvalidRequestException('remote_state must be valid UTF-8 of at most ' . self::MAX_REMOTE_STATE_CHARS . ' characters');
      }
    }
    $amount = NULL;
    if (($data['amount'] ?? NULL) !== NULL) {
      $amount = self::parseAmount($data['amount']);
    }
    return new self($transition, $amount, $remote, $key);
  }

  /**
   * A stable digest of what the request asks for, for idempotency checks.
   *
   * Equal for requests that differ only in the spelling of the amount
   * ("10.0" vs "10.00") or in member order.
   */
  public function fingerprint(string $paymentUuid): string {
    return hash('sha256', json_encode([
      'payment' => $paymentUuid,
      'transition' => $this->transition,
      'amount' => $this->amount ? [$this->amount->canonical(), $this->amount->currency()] : NULL,
      'remote_state' => $this->remoteState,
    ], JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));
  }

  private static function parseAmount(mixed $amount): Money {
    if (!is_array($amount) || ($amount !== [] && array_is_list($amount))) {
      throw new InvalidRequestException('amount must be an object {number, currency_code} or null');
    }
    $extra = array_diff(array_map('strval', array_keys($amount)), ['number', 'currency_code']);
    if ($extra) {
      throw new InvalidRequestException('unknown member(s) in amount: ' . implode(', ', $extra));
    }
    $number = $amount['number'] ?? NULL;
    $currency = $amount['currency_code'] ?? NULL;
    if (!is_string($number)) {
      throw new InvalidRequestException('amount.number must be a decimal string, not ' . get_debug_type($number));
    }
    if (!is_string($currency)) {
      throw new InvalidRequestException('amount.currency_code must be a string');
    }
    try {
      $money = Money::of($number, $currency);
    }
    catch (\InvalidArgumentException $e) {
      throw new InvalidRequestException('amount: ' . $e->getMessage());
    }
    if (!$money->isPositive()) {
      throw new InvalidRequestException('amount.number must be greater than zero');
    }
    return $money;
  }

  private static function charCount(string $s): ?int {
    $n = preg_match_all('/./su', $s);
    return $n === FALSE ? NULL : $n;
  }

}
