<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\Validation\Constraint;

use Drupal\commerce\Context;
use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_order\Entity\OrderItemInterface;
use Drupal\Core\DependencyInjection\ContainerInjectionInterface;
use Drupal\Core\Field\FieldItemListInterface;
use Drupal\seam_bridge\Stock\StockAvailabilityChecker;
use Symfony\Component\DependencyInjection\ContainerInterface;
use Symfony\Component\Validator\Constraint;
use Symfony\Component\Validator\ConstraintValidator;

/**
 * Validates SeamStockQuantity with seam's availability checker.
 *
 * Only existing lines of draft orders, as Commerce's
 * PurchasedEntityAvailableConstraintValidator does for orders (a placed
 * order's lines are history).
 */
final class StockQuantityConstraintValidator extends ConstraintValidator implements ContainerInjectionInterface {

  public function __construct(private readonly StockAvailabilityChecker $checker) {}

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container): static {
    return new static($container->get('seam_bridge.stock_availability_checker'));
  }

  /**
   * {@inheritdoc}
   */
  public function validate(mixed $value, Constraint $constraint): void {
    if (!$value instanceof FieldItemListInterface || $value->isEmpty()) {
      return;
    }
    $order_item = $value->getEntity();
    if (!$order_item instanceof OrderItemInterface || $order_item->isNew() || !$this->checker->applies($order_item)) {
      return;
    }
    $order = $order_item->getOrder();
    if (!$order instanceof OrderInterface || $order->getState()->getId() !== 'draft' || !$order->getStore()) {
      return;
    }
    $result = $this->checker->check($order_item, new Context($order->getCustomer(), $order->getStore()));
    if ($result->isUnavailable()) {
      $this->context->buildViolation((string) $result->getReason())
        ->setCode($result->getCode())
        ->addViolation();
    }
  }

}
