<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Stock;

use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_order\OrderProcessorInterface;
use Drupal\Core\Messenger\MessengerInterface;
use Drupal\Core\Session\AccountProxyInterface;
use Drupal\Core\StringTranslation\StringTranslationTrait;
use Drupal\seam_bridge\StockPolicy;
use Psr\Log\LoggerInterface;

/**
 * Lowers the lines of a refreshed draft order to the seam_stock left.
 *
 * Commerce's AvailabilityOrderProcessor (priority 300) deletes a line its
 * checkers find unavailable, silently: a customer with 5 in the cart when
 * the ERP's stock drops to 3 would lose the line without being told. This
 * processor (priority 310, so it runs first) sets such a line to what is
 * left (StockPolicy::fit(): whole units stay whole; the lines of one
 * variation share the stock in order) and tells the customer; a line with
 * nothing left is set to 0, which OrderRefresh removes, and the customer is
 * told that too. The promotion and tax processors run after it, on the new
 * quantities.
 *
 * Messages go to the order's own customer only: a refresh while staff or an
 * integration account saves the order (JSON:API) must not start sessions
 * or show customers' messages to them.
 */
final class StockOrderProcessor implements OrderProcessorInterface {

  use StringTranslationTrait;

  public function __construct(
    private readonly MessengerInterface $messenger,
    private readonly AccountProxyInterface $currentUser,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * {@inheritdoc}
   */
  public function process(OrderInterface $order): void {
    $held = [];
    foreach ($order->getItems() as $order_item) {
      $stock = VariationStock::of($order_item);
      if ($stock === NULL) {
        continue;
      }
      $key = $order_item->getPurchasedEntityId();
      try {
        $decision = StockPolicy::fit($stock, (string) $order_item->getQuantity(), StockPolicy::sum($held[$key] ?? []), (string) $order_item->label());
      }
      catch (\InvalidArgumentException $e) {
        $this->logger->error('Stock fit of order item @title skipped: @message', [
          '@title' => $order_item->label(),
          '@message' => $e->getMessage(),
        ]);
        continue;
      }
      if ($decision->quantity !== NULL) {
        $order_item->setQuantity($decision->quantity);
        if ($this->currentUser->id() == $order->getCustomerId()) {
          // phpcs:ignore Drupal.Semantics.FunctionT.NotLiteralString
          $this->messenger->addWarning($this->t($decision->template, $decision->args));
        }
      }
      $held[$key][] = (string) $order_item->getQuantity();
    }
  }

}
