<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Stock;

use Drupal\commerce\Context;
use Drupal\commerce_order\AvailabilityCheckerInterface;
use Drupal\commerce_order\AvailabilityResult;
use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_order\Entity\OrderItemInterface;
use Drupal\commerce_order\Resolver\OrderTypeResolverInterface;
use Drupal\Core\StringTranslation\StringTranslationTrait;
use Drupal\seam_bridge\StockPolicy;
use Psr\Log\LoggerInterface;
use Symfony\Component\DependencyInjection\ContainerInterface;

/**
 * Refuses order lines asking for more than the seam_stock of their variation.
 *
 * A Commerce 3 availability checker (service tag
 * commerce_order.availability_checker, collected by
 * commerce_order.availability_manager). Commerce consults the manager in two
 * places:
 * - the PurchasedEntityAvailable constraint on the order item's
 *   purchased_entity field, for order items of draft orders or without an
 *   order: the add-to-cart form, the cart form's quantity update, the order
 *   edit form, JSON:API POST and PATCH of order items. The reason given here
 *   becomes the violation message (422 over JSON:API, a form error on the
 *   site);
 * - AvailabilityOrderProcessor during the refresh of a draft order (every
 *   save of a draft, and loads after the order type's refresh frequency):
 *   it deletes unavailable lines without a word. StockOrderProcessor runs
 *   before it and lowers the quantity instead, with a message.
 * Checkout does not validate order items; seam_bridge.module adds that
 * (seam_bridge_checkout_validate()).
 *
 * The decision is StockPolicy::check(); the other lines of the order count
 * (for a new line without an order, the customer's cart in the store, as
 * the add-to-cart form would put it there).
 *
 * The cart provider is fetched when needed, not injected: it depends on the
 * order refresh, whose availability processor depends on this checker
 * (a circular reference when the container builds it).
 */
final class StockAvailabilityChecker implements AvailabilityCheckerInterface {

  use StringTranslationTrait;

  public function __construct(
    private readonly OrderTypeResolverInterface $orderTypeResolver,
    private readonly LoggerInterface $logger,
    private readonly ContainerInterface $container,
  ) {}

  /**
   * {@inheritdoc}
   */
  public function applies(OrderItemInterface $order_item): bool {
    return VariationStock::of($order_item) !== NULL;
  }

  /**
   * {@inheritdoc}
   */
  public function check(OrderItemInterface $order_item, Context $context): AvailabilityResult {
    $stock = VariationStock::of($order_item);
    if ($stock === NULL) {
      return AvailabilityResult::neutral();
    }
    try {
      $decision = StockPolicy::check($stock, (string) $order_item->getQuantity(), VariationStock::elsewhere($order_item, $this->otherLines($order_item, $context)));
    }
    catch (\InvalidArgumentException $e) {
      // Only a quantity no number field can hold gets here; refusing the
      // sale over it would be worse than not limiting it.
      $this->logger->error('Stock check of order item @title skipped: @message', [
        '@title' => $order_item->label(),
        '@message' => $e->getMessage(),
      ]);
      return AvailabilityResult::neutral();
    }
    if ($decision->available) {
      return AvailabilityResult::neutral();
    }
    // phpcs:ignore Drupal.Semantics.FunctionT.NotLiteralString
    return AvailabilityResult::unavailable((string) $this->t($decision->template, $decision->args), $decision->code);
  }

  /**
   * The lines the order item shares its order (or the cart) with.
   *
   * @return \Drupal\commerce_order\Entity\OrderItemInterface[]
   */
  private function otherLines(OrderItemInterface $order_item, Context $context): array {
    $order = $order_item->getOrder();
    if ($order instanceof OrderInterface) {
      return $order->getItems();
    }
    if (!$order_item->isNew() || !$this->container->has('commerce_cart.cart_provider')) {
      return [];
    }
    /** @var \Drupal\commerce_cart\CartProviderInterface $carts */
    $carts = $this->container->get('commerce_cart.cart_provider');
    $cart = $carts->getCart($this->orderTypeResolver->resolve($order_item), $context->getStore(), $context->getCustomer());
    return $cart ? $cart->getItems() : [];
  }

}
