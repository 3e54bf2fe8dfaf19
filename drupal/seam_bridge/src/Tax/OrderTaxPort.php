<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Tax;

use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Entity\FieldableEntityInterface;
use Drupal\commerce_order\Adjustment;
use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_order\Entity\OrderItemInterface;
use Drupal\commerce_price\Price;
use Drupal\seam_bridge\TaxOrderPort;
use Drupal\seam_bridge\TaxPolicy;

/**
 * A commerce_order being refreshed, as TaxQuoter sees it.
 *
 * The cart:
 * - ship_to: the address of the order's shipping profile, else of its
 *   billing profile (Order::collectProfiles(), as Commerce's own tax types
 *   do); no address with a country: no cart (nothing to quote yet);
 * - ship_from: the store's address;
 * - lines: one per order item, id = the order item id (its uuid while it is
 *   unsaved), the variation's SKU, its tax code when a field is configured
 *   (the variation's field, else the product's), quantity, and as amount the
 *   item's total with its promotion and fee adjustments (what Commerce's
 *   local tax types tax: getAdjustedTotalPrice(['promotion', 'fee'])), the
 *   promotions as discount;
 * - shipping: only with commerce_shipping (the order has a "shipments"
 *   field): the sum of the shipments' amounts after shipping promotions.
 *   Its tax goes on the first shipment with an amount, as a tax adjustment
 *   that commerce_shipping's LateOrderProcessor moves to the order (it
 *   clears shipment adjustments at the start of each refresh). Not checked
 *   on a site with commerce_shipping (the one checked has none);
 * - customer: the customer's user id (none for anonymous orders); no
 *   exemption (Commerce has no field for one);
 * - date: Commerce's calculation date (placed time, else now, in the
 *   store's time zone).
 *
 * Tax adjustments: type "tax", not included in the price (seam's tax is
 * added on top; stores whose prices include tax are not handled, see
 * SeamTaxService::applies()), not locked, so Commerce clears them at the
 * next refresh.
 */
final class OrderTaxPort implements TaxOrderPort {

  /**
   * The order items by line id, set by cart().
   *
   * @var array<string, \Drupal\commerce_order\Entity\OrderItemInterface>
   */
  private array $items = [];

  /**
   * The shipment that carries the shipping tax, set by cart().
   */
  private ?object $shipment = NULL;

  private string $currency = '';

  public function __construct(
    private readonly OrderInterface $order,
    private readonly string $seamStore,
    private readonly string $taxCodeField,
    private readonly EntityTypeManagerInterface $entityTypeManager,
  ) {}

  /**
   * {@inheritdoc}
   */
  public function cart(): ?array {
    $address = $this->address();
    if ($address === NULL) {
      return NULL;
    }
    $store = $this->order->getStore();
    $this->items = [];
    $currency = NULL;
    $lines = [];
    foreach ($this->order->getItems() as $item) {
      $id = $item->id() !== NULL ? (string) $item->id() : (string) $item->uuid();
      $this->items[$id] = $item;
      $total = $item->getTotalPrice();
      $currency ??= $total?->getCurrencyCode();
      $amount = $item->getAdjustedTotalPrice(['promotion', 'fee']);
      $promoted = $item->getAdjustedTotalPrice(['promotion']);
      $purchased = $item->getPurchasedEntity();
      $lines[] = [
        'id' => $id,
        'sku' => $purchased && method_exists($purchased, 'getSku') ? (string) $purchased->getSku() : NULL,
        'tax_code' => $this->taxCode($item),
        'quantity' => (string) $item->getQuantity(),
        'amount' => $amount ? $amount->getNumber() : '0',
        'discount' => $total && $promoted ? $total->subtract($promoted)->getNumber() : NULL,
      ];
    }
    $this->currency = $currency ?? (string) $store->getDefaultCurrencyCode();
    $from = $store->hasField('address') && !$store->get('address')->isEmpty() ? $store->get('address')->first()->getValue() : NULL;
    return [
      'store' => $this->seamStore,
      'currency' => $this->currency,
      'date' => $this->order->getCalculationDate()->format('Y-m-d'),
      'customer_id' => $this->order->getCustomerId() ? (string) $this->order->getCustomerId() : NULL,
      'ship_to' => $address,
      'ship_from' => $from,
      'lines' => $lines,
      'shipping' => $this->shipping(),
    ];
  }

  /**
   * {@inheritdoc}
   */
  public function state(): ?array {
    $state = $this->order->getData(TaxPolicy::DATA_KEY);
    return is_array($state) ? $state : NULL;
  }

  /**
   * {@inheritdoc}
   */
  public function setState(array $state): void {
    $this->order->setData(TaxPolicy::DATA_KEY, $state);
  }

  /**
   * {@inheritdoc}
   */
  public function fractionDigits(string $currency): int {
    $entity = $this->entityTypeManager->getStorage('commerce_currency')->load($currency);
    return $entity && method_exists($entity, 'getFractionDigits') ? (int) $entity->getFractionDigits() : 2;
  }

  /**
   * {@inheritdoc}
   */
  public function addLineTax(string $lineId, string $amount, string $label, string $sourceId, ?string $rate): void {
    $item = $this->items[$lineId] ?? NULL;
    if (!$item instanceof OrderItemInterface) {
      return;
    }
    $item->addAdjustment(new Adjustment([
      'type' => 'tax',
      'label' => $label,
      'amount' => new Price($amount, $this->currency),
      'percentage' => $rate,
      'source_id' => $sourceId,
      'included' => FALSE,
    ]));
  }

  /**
   * {@inheritdoc}
   */
  public function addShippingTax(string $amount, string $label, string $sourceId): void {
    if ($this->shipment !== NULL && method_exists($this->shipment, 'addAdjustment')) {
      $this->shipment->addAdjustment(new Adjustment([
        'type' => 'tax',
        'label' => $label,
        'amount' => new Price($amount, $this->currency),
        'source_id' => $sourceId,
        'included' => FALSE,
      ]));
    }
  }

  /**
   * The address to tax for: shipping profile, else billing profile.
   *
   * @return array<string, mixed>|null
   *   Address field values, NULL without a country.
   */
  private function address(): ?array {
    $profiles = $this->order->collectProfiles();
    foreach (['shipping', 'billing'] as $scope) {
      $profile = $profiles[$scope] ?? NULL;
      if ($profile instanceof FieldableEntityInterface && $profile->hasField('address') && !$profile->get('address')->isEmpty()) {
        $value = $profile->get('address')->first()->getValue();
        if (!empty($value['country_code'])) {
          return $value;
        }
      }
    }
    return NULL;
  }

  /**
   * The line's tax code: the configured field of the variation, else of its
   * product; NULL when none is configured or set.
   */
  private function taxCode(OrderItemInterface $item): ?string {
    if ($this->taxCodeField === '') {
      return NULL;
    }
    $entity = $item->getPurchasedEntity();
    $candidates = [$entity];
    if ($entity && method_exists($entity, 'getProduct')) {
      $candidates[] = $entity->getProduct();
    }
    foreach ($candidates as $candidate) {
      if ($candidate instanceof FieldableEntityInterface && $candidate->hasField($this->taxCodeField) && !$candidate->get($this->taxCodeField)->isEmpty()) {
        return (string) $candidate->get($this->taxCodeField)->value;
      }
    }
    return NULL;
  }

  /**
   * The shipping line (commerce_shipping only), and the shipment its tax
   * goes on.
   *
   * @return array{amount: string}|null
   */
  private function shipping(): ?array {
    $this->shipment = NULL;
    if (!$this->order->hasField('shipments') || $this->order->get('shipments')->isEmpty()) {
      return NULL;
    }
    $sum = NULL;
    foreach ($this->order->get('shipments')->referencedEntities() as $shipment) {
      $amount = method_exists($shipment, 'getAdjustedAmount') ? $shipment->getAdjustedAmount(['shipping_promotion']) : NULL;
      if (!$amount instanceof Price) {
        // A shipment without an amount is not rated yet.
        continue;
      }
      $this->shipment ??= $shipment;
      $sum = $sum ? $sum->add($amount) : $amount;
    }
    return $sum ? ['amount' => $sum->getNumber()] : NULL;
  }

}
