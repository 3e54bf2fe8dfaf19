<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * seam's answer to a tax quote (contract tax.quote@v1), checked against the
 * request it answers (immutable).
 *
 * Pure PHP, no Drupal dependency. fromJson() takes seam's body, fromArray()
 * what toArray() kept on the order (order data), and both refuse an answer
 * the module cannot apply honestly (\InvalidArgumentException): another
 * currency, a line of the cart without tax or a line the cart does not have,
 * a tax that is not a decimal or is negative, shipping sent but not taxed,
 * an unknown source. An unusable answer is a failed quote, never a zero.
 *
 * What is applied: per order item the line's tax rounded half up to the
 * currency's fraction digits (seam may answer more digits: the engine's),
 * with the label from the jurisdiction (the one jurisdiction's name; several
 * or none: "Tax"; " (estimate)" added when the source is estimate, so the
 * customer is not told an estimate is final) and the source id
 * "seam|<source>" (Commerce's order summary adds up adjustments of one type
 * and source id into one row). Shipping tax likewise.
 */
final class TaxQuoteResult {

  public const SOURCES = ['engine', 'cache', 'estimate'];
  public const SOURCE_ESTIMATE = 'estimate';

  /**
   * The label without a single named jurisdiction.
   */
  public const LABEL = 'Tax';

  /**
   * Appended to the label of an estimate.
   */
  public const ESTIMATE_SUFFIX = ' (estimate)';

  /**
   * Adjustment labels are kept short (Commerce stores them in a map).
   */
  private const MAX_LABEL = 100;

  /**
   * @param array<string, array{tax: string, taxable: string, rate: string|null}> $lines
   *   By line id, in the request's order.
   * @param list<array{name: string, type?: string, rate?: string, tax: string}> $jurisdictions
   */
  private function __construct(
    public readonly string $source,
    public readonly ?string $estimateReason,
    public readonly string $currency,
    private readonly array $lines,
    private readonly ?string $shippingTax,
    public readonly string $totalTax,
    public readonly string $totalTaxable,
    public readonly array $jurisdictions,
    public readonly string $quoteKey,
    public readonly int $ageSeconds,
  ) {}

  /**
   * Reads seam's answer to $request.
   *
   * @throws \InvalidArgumentException
   *   When the answer is not JSON or cannot be applied to the request.
   */
  public static function fromJson(string $json, TaxQuoteRequest $request): self {
    try {
      $answer = json_decode($json, TRUE, 32, JSON_THROW_ON_ERROR);
    }
    catch (\JsonException $e) {
      throw new \InvalidArgumentException('the answer is not JSON: ' . $e->getMessage());
    }
    if (!is_array($answer) || array_is_list($answer)) {
      throw new \InvalidArgumentException('the answer is not a JSON object');
    }
    return self::fromArray($answer, $request);
  }

  /**
   * Reads an answer as decoded JSON (seam's, or toArray()'s).
   *
   * @param array<string, mixed> $a
   *
   * @throws \InvalidArgumentException
   */
  public static function fromArray(array $a, TaxQuoteRequest $request): self {
    $source = $a['source'] ?? NULL;
    if (!in_array($source, self::SOURCES, TRUE)) {
      throw new \InvalidArgumentException(sprintf('source: "%s" is not engine, cache or estimate', self::text($source)));
    }
    $reason = $a['estimate_reason'] ?? NULL;
    if ($reason !== NULL && !is_string($reason)) {
      throw new \InvalidArgumentException('estimate_reason: not a string');
    }
    if (($a['currency'] ?? NULL) !== $request->currency()) {
      throw new \InvalidArgumentException(sprintf('currency: "%s", the cart is in %s', self::text($a['currency'] ?? NULL), $request->currency()));
    }
    if (!is_array($a['lines'] ?? NULL) || !array_is_list($a['lines'])) {
      throw new \InvalidArgumentException('lines: not a list');
    }
    $got = [];
    foreach ($a['lines'] as $i => $line) {
      $id = is_array($line) ? ($line['id'] ?? NULL) : NULL;
      if (!is_string($id)) {
        throw new \InvalidArgumentException(sprintf('lines[%d].id: not a string', $i));
      }
      if (isset($got[$id])) {
        throw new \InvalidArgumentException(sprintf('lines[%d]: line "%s" answered twice', $i, $id));
      }
      $rate = $line['rate'] ?? NULL;
      $got[$id] = [
        'tax' => self::amount($line['tax'] ?? NULL, "lines[$i].tax"),
        'taxable' => self::decimal($line['taxable'] ?? NULL, "lines[$i].taxable"),
        'rate' => $rate === NULL ? NULL : self::amount($rate, "lines[$i].rate"),
      ];
    }
    $lines = [];
    foreach ($request->lineIds() as $id) {
      if (!isset($got[$id])) {
        throw new \InvalidArgumentException(sprintf('lines: no tax for line "%s" of the cart', $id));
      }
      $lines[$id] = $got[$id];
      unset($got[$id]);
    }
    if ($got) {
      throw new \InvalidArgumentException(sprintf('lines: line "%s" is not in the cart', array_key_first($got)));
    }
    $shipping = $a['shipping'] ?? NULL;
    $shippingTax = NULL;
    if (is_array($shipping)) {
      $shippingTax = self::amount($shipping['tax'] ?? NULL, 'shipping.tax');
    }
    elseif ($shipping !== NULL) {
      throw new \InvalidArgumentException('shipping: not an object or null');
    }
    if ($request->hasShipping() && $shippingTax === NULL) {
      throw new \InvalidArgumentException('shipping: the cart has shipping and the answer no shipping tax');
    }
    if (!$request->hasShipping()) {
      $shippingTax = NULL;
    }
    $totalTax = self::amount($a['total_tax'] ?? NULL, 'total_tax');
    $totalTaxable = self::decimal($a['total_taxable'] ?? NULL, 'total_taxable');
    if (!is_array($a['jurisdictions'] ?? NULL) || !array_is_list($a['jurisdictions'])) {
      throw new \InvalidArgumentException('jurisdictions: not a list');
    }
    $jurisdictions = [];
    foreach ($a['jurisdictions'] as $i => $j) {
      if (!is_array($j) || !is_string($j['name'] ?? NULL)) {
        throw new \InvalidArgumentException(sprintf('jurisdictions[%d].name: not a string', $i));
      }
      $kept = ['name' => $j['name']];
      foreach (['type', 'rate'] as $name) {
        if (is_string($j[$name] ?? NULL)) {
          $kept[$name] = $j[$name];
        }
      }
      $jurisdictions[] = $kept + ['tax' => self::decimal($j['tax'] ?? NULL, "jurisdictions[$i].tax")];
    }
    $key = $a['quote_key'] ?? NULL;
    if (!is_string($key) || $key === '') {
      throw new \InvalidArgumentException('quote_key: missing');
    }
    $age = $a['age_seconds'] ?? 0;
    return new self($source, $reason, $request->currency(), $lines, $shippingTax, $totalTax, $totalTaxable, $jurisdictions, $key, is_int($age) && $age > 0 ? $age : 0);
  }

  /**
   * The answer as tax.quote@v1 JSON values (valid against the contract),
   * for order data; fromArray() reads it back. Members the module does not
   * read beyond the contract's (a jurisdiction's extras) are not kept.
   *
   * @return array<string, mixed>
   */
  public function toArray(): array {
    $lines = [];
    foreach ($this->lines as $id => $line) {
      $lines[] = ['id' => (string) $id, 'tax' => $line['tax'], 'taxable' => $line['taxable']] + ($line['rate'] === NULL ? [] : ['rate' => $line['rate']]);
    }
    return [
      'source' => $this->source,
      'estimate_reason' => $this->estimateReason,
      'currency' => $this->currency,
      'lines' => $lines,
      'shipping' => $this->shippingTax === NULL ? NULL : ['tax' => $this->shippingTax],
      'total_tax' => $this->totalTax,
      'total_taxable' => $this->totalTaxable,
      'jurisdictions' => $this->jurisdictions,
      'quote_key' => $this->quoteKey,
      'age_seconds' => $this->ageSeconds,
    ];
  }

  public function isEstimate(): bool {
    return $this->source === self::SOURCE_ESTIMATE;
  }

  /**
   * The adjustments' label (see the class comment).
   */
  public function label(): string {
    $names = array_values(array_filter(array_map(static fn(array $j) => trim($j['name']), $this->jurisdictions)));
    $label = count($names) === 1 ? mb_substr($names[0], 0, self::MAX_LABEL) : self::LABEL;
    return $this->isEstimate() ? $label . self::ESTIMATE_SUFFIX : $label;
  }

  /**
   * The adjustments' source id: "seam|engine", "seam|cache", "seam|estimate".
   */
  public function sourceId(): string {
    return 'seam|' . $this->source;
  }

  /**
   * A line's tax rounded to $digits decimals ("1.45").
   *
   * @throws \InvalidArgumentException
   *   For a line the answer has not.
   */
  public function lineTax(string $lineId, int $digits): string {
    if (!isset($this->lines[$lineId])) {
      throw new \InvalidArgumentException(sprintf('no tax for line "%s"', $lineId));
    }
    return Money::of($this->lines[$lineId]['tax'], $this->currency)->round($digits)->number();
  }

  /**
   * The rate seam applied to a line ("0.0725"), NULL when not said.
   */
  public function lineRate(string $lineId): ?string {
    return $this->lines[$lineId]['rate'] ?? NULL;
  }

  /**
   * The shipping tax rounded to $digits decimals; NULL without shipping.
   */
  public function shippingTax(int $digits): ?string {
    return $this->shippingTax === NULL ? NULL : Money::of($this->shippingTax, $this->currency)->round($digits)->number();
  }

  /**
   * The sum of the rounded taxes applied (lines and shipping): what the
   * order is charged, which can differ from total_tax by the rounding.
   */
  public function appliedTotal(int $digits): string {
    $sum = Money::zero($this->currency, $digits);
    foreach (array_keys($this->lines) as $id) {
      $sum = $sum->add(Money::of($this->lineTax((string) $id, $digits), $this->currency));
    }
    if ($this->shippingTax !== NULL) {
      $sum = $sum->add(Money::of((string) $this->shippingTax($digits), $this->currency));
    }
    return $sum->number();
  }

  /**
   * A tax amount: a decimal string, not negative.
   *
   * @throws \InvalidArgumentException
   */
  private static function amount(mixed $value, string $field): string {
    $d = self::decimal($value, $field);
    if (Money::of($d, 'XXX')->isNegative()) {
      throw new \InvalidArgumentException(sprintf('%s: "%s" is negative', $field, $d));
    }
    // "-0.00" is a zero.
    return ltrim($d, '-');
  }

  /**
   * A decimal string Money can read (up to 12 integer digits, 6 decimals).
   *
   * @throws \InvalidArgumentException
   */
  private static function decimal(mixed $value, string $field): string {
    if (!is_string($value)) {
      throw new \InvalidArgumentException(sprintf('%s: not a decimal string', $field));
    }
    try {
      Money::of($value, 'XXX');
    }
    catch (\InvalidArgumentException $e) {
      throw new \InvalidArgumentException(sprintf('%s: %s', $field, $e->getMessage()));
    }
    return $value;
  }

  private static function text(mixed $value): string {
    return is_string($value) ? mb_substr($value, 0, 40) : get_debug_type($value);
  }

}
