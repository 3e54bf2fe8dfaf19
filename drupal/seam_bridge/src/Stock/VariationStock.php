<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Stock;

use Drupal\commerce_order\Entity\OrderItemInterface;
use Drupal\Core\Entity\FieldableEntityInterface;
use Drupal\seam_bridge\StockPolicy;

/**
 * Reads seam_stock off a purchased entity and what an order's other lines
 * hold of it, for the availability checker and the order processor.
 *
 * Stateless; the decisions are StockPolicy's.
 */
final class VariationStock {

  /**
   * The stock seam manages for the order item's purchased entity.
   *
   * @return string|null
   *   A decimal string; NULL when the purchased entity is not a variation,
   *   has no seam_stock field (the module was installed before update
   *   10002 ran) or the field is empty: seam does not manage its stock.
   */
  public static function of(OrderItemInterface $order_item): ?string {
    $entity = $order_item->getPurchasedEntity();
    if (!$entity instanceof FieldableEntityInterface
      || $entity->getEntityTypeId() !== StockPolicy::ENTITY_TYPE
      || !$entity->hasField(StockPolicy::FIELD)) {
      return NULL;
    }
    $value = $entity->get(StockPolicy::FIELD)->value;
    if ($value === NULL || $value === '') {
      return NULL;
    }
    // Loaded values are strings; DecimalItem::preSave() leaves a float on
    // an entity saved in this request.
    if (is_float($value) || is_int($value)) {
      return number_format((float) $value, StockPolicy::STOCK_SCALE, '.', '');
    }
    return (string) $value;
  }

  /**
   * What the given lines other than $order_item hold of its purchased
   * entity (a decimal string).
   *
   * @param \Drupal\commerce_order\Entity\OrderItemInterface[] $lines
   */
  public static function elsewhere(OrderItemInterface $order_item, array $lines): string {
    $entity = $order_item->getPurchasedEntity();
    $quantities = [];
    foreach ($lines as $line) {
      if (self::same($line, $order_item)) {
        continue;
      }
      $other = $line->getPurchasedEntity();
      if ($other && $entity && $other->getEntityTypeId() === $entity->getEntityTypeId() && $other->id() == $entity->id()) {
        $quantities[] = (string) $line->getQuantity();
      }
    }
    return StockPolicy::sum($quantities);
  }

  /**
   * Whether two order item objects are the same line: the cart form and
   * the order refresh hand over copies loaded apart from the order's.
   */
  private static function same(OrderItemInterface $a, OrderItemInterface $b): bool {
    if ($a === $b) {
      return TRUE;
    }
    if ($a->id() !== NULL && $b->id() !== NULL) {
      return $a->id() == $b->id();
    }
    return $a->uuid() === $b->uuid();
  }

}
