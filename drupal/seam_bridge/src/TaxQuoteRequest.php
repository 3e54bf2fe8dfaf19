<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The canonical cart of POST {seam}/v1/tax/quote (contract
 * tax.quote-request@v1) and its key (immutable).
 *
 * Pure PHP, no Drupal dependency: build() takes the cart as plain values
 * (TaxOrderPort::cart() reads them from an order) and normalizes them, so
 * that the same cart and address always give the same bytes:
 *
 * - decimals in their shortest form ("39.980000" -> "39.98", "2.00" -> "2");
 * - empty and unknown values left out (no empty strings, no nulls);
 * - lines with a quantity of 0 or less left out (Commerce removes them at
 *   the end of the refresh); a line amount below 0 (a promotion larger than
 *   the price) is sent as "0";
 * - text over the contract's lengths: an SKU over 128 characters or a
 *   region over 10 is left out (informative, and Drupal allows longer), a
 *   city or street line is cut; a tax code over 25 characters, more than 250
 *   lines, two lines with one id or an address without a valid country are
 *   refused (\InvalidArgumentException naming the field).
 *
 * json() is the canonical JSON of the body: members sorted by name (byte
 * order) at every level, no whitespace, strings escaped as jansson's
 * json_dumps() does (only '"', '\' and control characters; \b \f \n \r \t,
 * others as \u00XX in upper-case hex; '/', non-ASCII and U+2028 as they
 * are). The module sends these very bytes. key() is seam's quote key of
 * them (src/flows/tax.c quote_key() as of main 0b83b86): SHA-256, in
 * lower-case hex, of json_dumps(JSON_COMPACT | JSON_SORT_KEYS) of the
 * request — which is json() again — followed by "|" and the tax date (the
 * request's; seam takes today's UTC date when there is none, so the module
 * always sends one). The module needs the key only to see that a cart
 * changed; matching seam's quote_key is checked on every answer
 * (key_matches in the order's tax state) but nothing depends on it.
 */
final class TaxQuoteRequest {

  public const MAX_LINES = 250;

  /**
   * The contract's length limits.
   */
  private const MAX_STORE = 64;
  private const MAX_LINE_ID = 64;
  private const MAX_SKU = 128;
  private const MAX_TAX_CODE = 25;
  private const MAX_CUSTOMER = 100;
  private const MAX_REGION = 10;
  private const MAX_POSTAL = 20;
  private const MAX_CITY = 100;
  private const MAX_STREET = 200;
  private const MAX_INT_DIGITS = 15;
  private const MAX_DECIMALS = 6;

  /**
   * @param array<string, mixed> $body
   *   The request body (objects as string-keyed arrays).
   * @param string $json
   *   canonicalJson($body).
   */
  private function __construct(
    private readonly array $body,
    private readonly string $json,
  ) {}

  /**
   * Normalizes a cart into the canonical request.
   *
   * @param array{
   *   store: string,
   *   currency: string,
   *   date: string,
   *   customer_id?: string|null,
   *   exemption?: string|null,
   *   ship_to: array<string, mixed>,
   *   ship_from?: array<string, mixed>|null,
   *   lines: list<array{id: string, sku?: string|null, tax_code?: string|null, quantity: string, amount: string, discount?: string|null}>,
   *   shipping?: array{amount: string, tax_code?: string|null}|null,
   * } $cart
   *   Addresses as Drupal address field values: country_code,
   *   administrative_area, postal_code, locality, address_line1,
   *   address_line2. Line amount: the line's total after discounts
   *   (quantity x unit price - discount), discount informative.
   *
   * @throws \InvalidArgumentException
   *   When the cart cannot be quoted; the message names the field.
   */
  public static function build(array $cart): self {
    $store = trim((string) ($cart['store'] ?? ''));
    if ($store === '' || mb_strlen($store) > self::MAX_STORE) {
      throw new \InvalidArgumentException('store: a seam store name of 1 to 64 characters is required');
    }
    $currency = (string) ($cart['currency'] ?? '');
    if (!preg_match('/^[A-Z]{3}$/', $currency)) {
      throw new \InvalidArgumentException(sprintf('currency: "%s" is not a three-letter ISO 4217 code', self::clip($currency)));
    }
    $date = (string) ($cart['date'] ?? '');
    if (!preg_match('/^([0-9]{4})-([0-9]{2})-([0-9]{2})$/', $date, $d) || !checkdate((int) $d[2], (int) $d[3], (int) $d[1])) {
      throw new \InvalidArgumentException(sprintf('date: "%s" is not a date (YYYY-MM-DD)', self::clip($date)));
    }
    $body = ['store' => $store, 'currency' => $currency, 'date' => $date];

    $customer = [];
    $id = trim((string) ($cart['customer_id'] ?? ''));
    if ($id !== '') {
      $customer['id'] = self::cut($id, self::MAX_CUSTOMER);
    }
    $exemption = trim((string) ($cart['exemption'] ?? ''));
    if ($exemption !== '') {
      $customer['exemption'] = self::cut($exemption, self::MAX_CUSTOMER);
    }
    if ($customer) {
      $body['customer'] = $customer;
    }

    $shipTo = self::address(is_array($cart['ship_to'] ?? NULL) ? $cart['ship_to'] : []);
    if ($shipTo === NULL) {
      throw new \InvalidArgumentException('ship_to.country: the address has no ISO 3166-1 alpha-2 country');
    }
    $body['ship_to'] = $shipTo;
    $shipFrom = is_array($cart['ship_from'] ?? NULL) ? self::address($cart['ship_from']) : NULL;
    if ($shipFrom !== NULL) {
      $body['ship_from'] = $shipFrom;
    }

    $lines = [];
    $seen = [];
    foreach (array_values((array) ($cart['lines'] ?? [])) as $i => $line) {
      $lineId = trim((string) ($line['id'] ?? ''));
      if ($lineId === '' || strlen($lineId) > self::MAX_LINE_ID) {
        throw new \InvalidArgumentException(sprintf('lines[%d].id: 1 to 64 characters are required', $i));
      }
      if (isset($seen[$lineId])) {
        throw new \InvalidArgumentException(sprintf('lines[%d].id: "%s" is used by two lines', $i, $lineId));
      }
      $seen[$lineId] = TRUE;
      $quantity = self::decimal((string) ($line['quantity'] ?? ''), "lines[$i].quantity");
      if ($quantity === '0' || str_starts_with($quantity, '-')) {
        continue;
      }
      $out = ['id' => $lineId];
      $sku = trim((string) ($line['sku'] ?? ''));
      if ($sku !== '' && mb_strlen($sku) <= self::MAX_SKU) {
        $out['sku'] = $sku;
      }
      $taxCode = trim((string) ($line['tax_code'] ?? ''));
      if (mb_strlen($taxCode) > self::MAX_TAX_CODE) {
        throw new \InvalidArgumentException(sprintf('lines[%d].tax_code: "%s" is longer than 25 characters', $i, self::clip($taxCode)));
      }
      if ($taxCode !== '') {
        $out['tax_code'] = $taxCode;
      }
      $out['quantity'] = $quantity;
      $out['amount'] = self::notNegative(self::decimal((string) ($line['amount'] ?? ''), "lines[$i].amount"));
      $discount = trim((string) ($line['discount'] ?? ''));
      if ($discount !== '') {
        $discount = self::decimal($discount, "lines[$i].discount");
        if ($discount !== '0' && !str_starts_with($discount, '-')) {
          $out['discount'] = $discount;
        }
      }
      $lines[] = $out;
    }
    if (!$lines) {
      throw new \InvalidArgumentException('lines: the cart has no line with a quantity');
    }
    if (count($lines) > self::MAX_LINES) {
      throw new \InvalidArgumentException(sprintf('lines: %d lines, seam quotes at most %d', count($lines), self::MAX_LINES));
    }
    $body['lines'] = $lines;

    $shipping = $cart['shipping'] ?? NULL;
    if (is_array($shipping)) {
      $out = ['amount' => self::notNegative(self::decimal((string) ($shipping['amount'] ?? ''), 'shipping.amount'))];
      $taxCode = trim((string) ($shipping['tax_code'] ?? ''));
      if (mb_strlen($taxCode) > self::MAX_TAX_CODE) {
        throw new \InvalidArgumentException(sprintf('shipping.tax_code: "%s" is longer than 25 characters', self::clip($taxCode)));
      }
      if ($taxCode !== '') {
        $out['tax_code'] = $taxCode;
      }
      $body['shipping'] = $out;
    }
    return new self($body, self::canonicalJson($body));
  }

  /**
   * The request body (objects as string-keyed arrays).
   *
   * @return array<string, mixed>
   */
  public function body(): array {
    return $this->body;
  }

  /**
   * The body as canonical JSON: what is sent, and what key() hashes.
   */
  public function json(): string {
    return $this->json;
  }

  /**
   * The quote key: SHA-256 (lower-case hex) of json() . "|" . the date.
   */
  public function key(): string {
    return hash('sha256', $this->json . '|' . $this->body['date']);
  }

  public function currency(): string {
    return $this->body['currency'];
  }

  /**
   * The ids of the lines sent, in order.
   *
   * @return string[]
   */
  public function lineIds(): array {
    return array_column($this->body['lines'], 'id');
  }

  public function hasShipping(): bool {
    return isset($this->body['shipping']);
  }

  /**
   * Canonical JSON of a value made of strings, null and arrays (a list is a
   * JSON array, any other array an object with its members sorted by name).
   *
   * @throws \InvalidArgumentException
   *   On other types or text that is not UTF-8.
   */
  public static function canonicalJson(mixed $value): string {
    if ($value === NULL) {
      return 'null';
    }
    if (is_string($value)) {
      return self::jsonString($value);
    }
    if (!is_array($value)) {
      throw new \InvalidArgumentException(sprintf('canonical JSON holds strings, null, lists and objects, not %s', get_debug_type($value)));
    }
    if (array_is_list($value)) {
      return '[' . implode(',', array_map([self::class, 'canonicalJson'], $value)) . ']';
    }
    ksort($value, SORT_STRING);
    $members = [];
    foreach ($value as $name => $member) {
      $members[] = self::jsonString((string) $name) . ':' . self::canonicalJson($member);
    }
    return '{' . implode(',', $members) . '}';
  }

  /**
   * A JSON string as jansson writes it (see the class comment).
   */
  private static function jsonString(string $s): string {
    if (!mb_check_encoding($s, 'UTF-8')) {
      throw new \InvalidArgumentException('text is not UTF-8');
    }
    return '"' . preg_replace_callback('/["\\\\\x00-\x1f]/', static function (array $m): string {
      return match ($m[0]) {
        '"' => '\\"',
        '\\' => '\\\\',
        "\x08" => '\\b',
        "\x0c" => '\\f',
        "\n" => '\\n',
        "\r" => '\\r',
        "\t" => '\\t',
        default => sprintf('\\u%04X', ord($m[0])),
      };
    }, $s) . '"';
  }

  /**
   * An address in the contract's form, or NULL without a valid country.
   *
   * @param array<string, mixed> $a
   *   Drupal address field values.
   *
   * @return array<string, string>|null
   */
  private static function address(array $a): ?array {
    $country = strtoupper(trim((string) ($a['country_code'] ?? '')));
    if (!preg_match('/^[A-Z]{2}$/', $country)) {
      return NULL;
    }
    $out = ['country' => $country];
    $region = trim((string) ($a['administrative_area'] ?? ''));
    if ($region !== '' && mb_strlen($region) <= self::MAX_REGION) {
      $out['region'] = $region;
    }
    $postal = trim((string) ($a['postal_code'] ?? ''));
    if ($postal !== '' && mb_strlen($postal) <= self::MAX_POSTAL) {
      $out['postal_code'] = $postal;
    }
    foreach (['city' => ['locality', self::MAX_CITY], 'line1' => ['address_line1', self::MAX_STREET], 'line2' => ['address_line2', self::MAX_STREET]] as $name => [$field, $max]) {
      $text = trim((string) ($a[$field] ?? ''));
      if ($text !== '') {
        $out[$name] = self::cut($text, $max);
      }
    }
    return $out;
  }

  /**
   * A decimal string in its shortest form ("2.50" -> "2.5", "-0" -> "0").
   *
   * @throws \InvalidArgumentException
   */
  private static function decimal(string $value, string $field): string {
    if (!preg_match('/^(-?)([0-9]*)(?:\.([0-9]*))?$/', trim($value), $m) || ($m[2] === '' && ($m[3] ?? '') === '')) {
      throw new \InvalidArgumentException(sprintf('%s: "%s" is not a decimal number', $field, self::clip($value)));
    }
    $int = ltrim($m[2], '0');
    $frac = rtrim($m[3] ?? '', '0');
    if (strlen($int) > self::MAX_INT_DIGITS || strlen($frac) > self::MAX_DECIMALS) {
      throw new \InvalidArgumentException(sprintf('%s: "%s" has more than 15 integer digits or 6 decimals', $field, self::clip($value)));
    }
    $out = ($int === '' ? '0' : $int) . ($frac === '' ? '' : '.' . $frac);
    return ($m[1] === '-' && $out !== '0') ? '-' . $out : $out;
  }

  private static function notNegative(string $decimal): string {
    return str_starts_with($decimal, '-') ? '0' : $decimal;
  }

  private static function cut(string $text, int $max): string {
    return mb_strlen($text) > $max ? rtrim(mb_substr($text, 0, $max)) : $text;
  }

  private static function clip(string $s): string {
    return mb_strlen($s) > 40 ? mb_substr($s, 0, 40) . '...' : $s;
  }

}
