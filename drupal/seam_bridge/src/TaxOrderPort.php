<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The order a tax quote is for, as TaxQuoter sees it.
 *
 * Implemented over a commerce_order being refreshed by
 * \Drupal\seam_bridge\Tax\OrderTaxPort, and by fakes in unit tests.
 */
interface TaxOrderPort {

  /**
   * The cart for TaxQuoteRequest::build(), or NULL when the order has no
   * address to tax for yet.
   *
   * @return array<string, mixed>|null
   */
  public function cart(): ?array;

  /**
   * The order's tax state (order data TaxPolicy::DATA_KEY), NULL if none.
   *
   * @return array<string, mixed>|null
   */
  public function state(): ?array;

  /**
   * Replaces the order's tax state (saved with the order).
   *
   * @param array<string, mixed> $state
   */
  public function setState(array $state): void;

  /**
   * The fraction digits of a currency (2 for USD, 0 for JPY).
   */
  public function fractionDigits(string $currency): int;

  /**
   * Adds a tax adjustment to the order item behind a line id of cart().
   *
   * @param string $lineId
   *   A line id of cart().
   * @param string $amount
   *   The tax, already rounded ("1.45").
   * @param string $label
   *   The adjustment's label.
   * @param string $sourceId
   *   The adjustment's source id ("seam|engine").
   * @param string|null $rate
   *   The rate seam applied ("0.0725"), NULL when not said.
   */
  public function addLineTax(string $lineId, string $amount, string $label, string $sourceId, ?string $rate): void;

  /**
   * Adds the shipping tax (only called when cart() had shipping).
   */
  public function addShippingTax(string $amount, string $label, string $sourceId): void;

}
