<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

use Drupal\seam_bridge\TaxOrderPort;

/**
 * An in-memory order for TaxQuoter's tests: a cart, its tax state and the
 * tax adjustments of the current refresh (refresh() clears them, as
 * Commerce's Order::clearAdjustments() does).
 */
final class FakeTaxOrder implements TaxOrderPort {

  /**
   * line id => list of [amount, label, source id, rate].
   *
   * @var array<string, list<array{0: string, 1: string, 2: string, 3: string|null}>>
   */
  public array $lineTax = [];

  /**
   * @var list<array{0: string, 1: string, 2: string}>
   */
  public array $shippingTax = [];

  /**
   * @var array<string, mixed>|null
   */
  public ?array $state = NULL;

  /**
   * @param array<string, mixed>|null $cart
   *   What cart() answers (NULL: no address).
   */
  public function __construct(public ?array $cart, public int $digits = 2) {}

  /**
   * A cart of two lines in USD to California, with shipping.
   *
   * @return array<string, mixed>
   */
  public static function usCart(): array {
    return [
      'store' => 'us',
      'currency' => 'USD',
      'date' => '2026-12-04',
      'customer_id' => '7',
      'ship_to' => ['country_code' => 'US', 'administrative_area' => 'CA', 'postal_code' => '94016', 'locality' => 'Springfield', 'address_line1' => '1 Main St'],
      'ship_from' => ['country_code' => 'US', 'administrative_area' => 'CA', 'postal_code' => '94016'],
      'lines' => [
        ['id' => '12', 'sku' => 'SKU-000001', 'quantity' => '2.00', 'amount' => '39.980000'],
        ['id' => '13', 'sku' => 'SKU-000002', 'quantity' => '1.00', 'amount' => '7.500000', 'discount' => '1.000000'],
      ],
      'shipping' => ['amount' => '5.00'],
    ];
  }

  /**
   * Starts a refresh: the adjustments go, the state stays.
   */
  public function refresh(): void {
    $this->lineTax = [];
    $this->shippingTax = [];
  }

  public function cart(): ?array {
    return $this->cart;
  }

  public function state(): ?array {
    return $this->state;
  }

  public function setState(array $state): void {
    $this->state = $state;
  }

  public function fractionDigits(string $currency): int {
    return $this->digits;
  }

  public function addLineTax(string $lineId, string $amount, string $label, string $sourceId, ?string $rate): void {
    $this->lineTax[$lineId][] = [$amount, $label, $sourceId, $rate];
  }

  public function addShippingTax(string $amount, string $label, string $sourceId): void {
    $this->shippingTax[] = [$amount, $label, $sourceId];
  }

}
