<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\EventSubscriber;

use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_order\Event\OrderEvent;
use Drupal\commerce_order\Event\OrderEvents;
use Drupal\seam_bridge\Event\EventOutbox;
use Drupal\seam_bridge\EventPayload;
use Drupal\state_machine\Event\WorkflowTransitionEvent;
use Symfony\Component\EventDispatcher\EventSubscriberInterface;

/**
 * Queues an event for seam on order transitions and when an order is paid.
 *
 * Transitions: the group event "commerce_order.post_transition" fires after
 * every order workflow transition (after the save, inside its transaction),
 * next to the specific "commerce_order.{transition}.post_transition" events.
 * Listening once to the group event covers place, cancel, fulfill and
 * validate in whichever order workflow the order type uses (and any custom
 * transition, sent as order.updated) without sending anything twice.
 * Paid: "commerce_order.order.paid" fires from OrderStorage::doOrderPreSave()
 * once per order lifetime.
 */
final class OrderEventSubscriber implements EventSubscriberInterface {

  public function __construct(private readonly EventOutbox $outbox) {}

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    return [
      'commerce_order.post_transition' => ['onTransition', -100],
      OrderEvents::ORDER_PAID => ['onPaid', -100],
    ];
  }

  /**
   * Any order workflow transition, after the order was saved.
   */
  public function onTransition(WorkflowTransitionEvent $event): void {
    $order = $event->getEntity();
    if (!$order instanceof OrderInterface || $event->getFieldName() !== 'state') {
      return;
    }
    $id = $event->getTransition()->getId();
    $this->outbox->record($order, EventPayload::typeForTransition($id), $id);
  }

  /**
   * The order became fully paid (presave of the order).
   */
  public function onPaid(OrderEvent $event): void {
    $this->outbox->record($event->getOrder(), EventPayload::TYPE_PAID, NULL);
  }

}
