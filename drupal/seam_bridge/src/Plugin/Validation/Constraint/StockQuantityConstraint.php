<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\Validation\Constraint;

use Drupal\Core\StringTranslation\TranslatableMarkup;
use Drupal\Core\Validation\Attribute\Constraint;
use Symfony\Component\Validator\Constraint as SymfonyConstraint;

/**
 * A saved order line's new quantity fits the seam_stock of its variation.
 *
 * On the quantity field of commerce_order_item
 * (seam_bridge_entity_base_field_info_alter()). Commerce checks availability
 * with a constraint on purchased_entity, and JSON:API's PATCH keeps only the
 * violations of the fields it was sent: a PATCH of "quantity" alone would
 * never be checked. New lines are left to Commerce's constraint (one
 * message, not two).
 */
#[Constraint(
  id: 'SeamStockQuantity',
  label: new TranslatableMarkup('Quantity within the stock seam manages', [], ['context' => 'Validation']),
)]
final class StockQuantityConstraint extends SymfonyConstraint {
}
