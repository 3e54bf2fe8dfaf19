<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * An exact decimal amount in one currency (immutable).
 *
 * Pure PHP, no Drupal dependency, no bcmath needed: the number is held as an
 * integer count of millionths (Commerce stores prices as numeric(19,6)), which
 * is exact for the accepted range of up to 12 integer digits and 6 decimals;
 * sums of two such amounts still fit in a 64-bit integer. Floats are never
 * used. The scale (digits after the point) of the input is kept for output,
 * so "10.00" + "5.00" prints "15.00".
 */
final class Money {

  public const MAX_SCALE = 6;
  public const MAX_INT_DIGITS = 12;
  private const UNIT = 1000000;

  private function __construct(
    private readonly int $micros,
    private readonly int $scale,
    private readonly string $currency,
  ) {}

  /**
   * Parses a decimal string and an ISO 4217 code.
   *
   * @throws \InvalidArgumentException
   *   With a message fit for a 422 detail.
   */
  public static function of(string $number, string $currency): self {
    if (!preg_match('/^[A-Z]{3}$/', $currency)) {
      throw new \InvalidArgumentException(sprintf('currency_code "%s" is not a three-letter ISO 4217 code', self::clip($currency)));
    }
    if (!preg_match('/^(-?)([0-9]+)(?:\.([0-9]+))?$/', $number, $m)) {
      throw new \InvalidArgumentException(sprintf('number "%s" is not a decimal string', self::clip($number)));
    }
    $int = ltrim($m[2], '0');
    $frac = $m[3] ?? '';
    if (strlen($int) > self::MAX_INT_DIGITS) {
      throw new \InvalidArgumentException(sprintf('number "%s" has more than %d integer digits', self::clip($number), self::MAX_INT_DIGITS));
    }
    if (strlen(rtrim($frac, '0')) > self::MAX_SCALE) {
      throw new \InvalidArgumentException(sprintf('number "%s" has more than %d decimals', self::clip($number), self::MAX_SCALE));
    }
    $scale = min(strlen($frac), self::MAX_SCALE);
    $micros = (int) ($int === '' ? '0' : $int) * self::UNIT + (int) str_pad(substr($frac, 0, self::MAX_SCALE), self::MAX_SCALE, '0');
    if ($m[1] === '-') {
      $micros = -$micros;
    }
    return new self($micros, $scale, $currency);
  }

  /**
   * Zero in a currency with the given scale.
   */
  public static function zero(string $currency, int $scale = 0): self {
    return new self(0, max(0, min(self::MAX_SCALE, $scale)), self::of('0', $currency)->currency);
  }

  public function currency(): string {
    return $this->currency;
  }

  public function isPositive(): bool {
    return $this->micros > 0;
  }

  public function isNegative(): bool {
    return $this->micros < 0;
  }

  public function isZero(): bool {
    return $this->micros === 0;
  }

  /**
   * -1, 0 or 1.
   *
   * @throws \InvalidArgumentException
   *   On a currency mismatch.
   */
  public function compare(Money $other): int {
    $this->assertSameCurrency($other);
    return $this->micros <=> $other->micros;
  }

  public function equals(Money $other): bool {
    return $this->currency === $other->currency && $this->micros === $other->micros;
  }

  /**
   * @throws \InvalidArgumentException
   *   On a currency mismatch.
   */
  public function add(Money $other): self {
    $this->assertSameCurrency($other);
    return new self($this->micros + $other->micros, max($this->scale, $other->scale), $this->currency);
  }

  /**
   * @throws \InvalidArgumentException
   *   On a currency mismatch.
   */
  public function subtract(Money $other): self {
    $this->assertSameCurrency($other);
    return new self($this->micros - $other->micros, max($this->scale, $other->scale), $this->currency);
  }

  /**
   * Rounded half up (away from zero) to $scale decimals, printed with that
   * scale: a tax of "1.4450" in a two-decimal currency is "1.45".
   *
   * @param int $scale
   *   0 to MAX_SCALE: the currency's fraction digits.
   */
  public function round(int $scale): self {
    $scale = max(0, min(self::MAX_SCALE, $scale));
    $step = 10 ** (self::MAX_SCALE - $scale);
    $abs = abs($this->micros);
    $rest = $abs % $step;
    $abs -= $rest;
    if ($rest * 2 >= $step) {
      $abs += $step;
    }
    return new self($this->micros < 0 ? -$abs : $abs, $scale, $this->currency);
  }

  /**
   * The decimal string, with the scale of the inputs (e.g. "15.00").
   */
  public function number(): string {
    $abs = abs($this->micros);
    $int = intdiv($abs, self::UNIT);
    $frac = str_pad((string) ($abs % self::UNIT), self::MAX_SCALE, '0', STR_PAD_LEFT);
    $out = (string) $int;
    if ($this->scale > 0) {
      $out .= '.' . substr($frac, 0, $this->scale);
    }
    return ($this->micros < 0 ? '-' : '') . $out;
  }

  /**
   * The canonical form: trailing zeros trimmed ("15.50" → "15.5", "15.00" → "15").
   */
  public function canonical(): string {
    $n = $this->number();
    if (str_contains($n, '.')) {
      $n = rtrim(rtrim($n, '0'), '.');
    }
    return $n === '-0' ? '0' : $n;
  }

  /**
   * @return array{number: string, currency_code: string}
   */
  public function toArray(): array {
    return ['number' => $this->number(), 'currency_code' => $this->currency];
  }

  private function assertSameCurrency(Money $other): void {
    if ($this->currency !== $other->currency) {
      throw new \InvalidArgumentException(sprintf('currency mismatch: %s and %s', $this->currency, $other->currency));
    }
  }

  private static function clip(string $s): string {
    return strlen($s) > 40 ? substr($s, 0, 40) . '...' : $s;
  }

}
