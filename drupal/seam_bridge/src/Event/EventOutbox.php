<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Event;

use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\Component\Datetime\TimeInterface;
use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\Queue\QueueFactory;
use Drupal\seam_bridge\EventPayload;
use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\Signer;
use Psr\Log\LoggerInterface;

/**
 * Puts order events into the seam_bridge_event queue.
 *
 * Called from the order event subscriber, i.e. inside the order's save (and
 * its database transaction, with the core database queue): the event is
 * stored if and only if the order change is. Nothing here talks to seam; the
 * items queued in this request are remembered so that
 * DeliverOnTerminateSubscriber can send them after the response. Errors are
 * logged and never reach the customer.
 *
 * Queue item: {event_id: "msg_<uuid4>", type, order_uuid, store_uuid,
 * body: the exact JSON bytes to sign and send, created: unix time}.
 */
final class EventOutbox {

  public const QUEUE = 'seam_bridge_event';

  /**
   * Items queued in this request: list of [item id, item data].
   *
   * @var array<int, array{0: mixed, 1: array}>
   */
  private array $pending = [];

  public function __construct(
    private readonly QueueFactory $queueFactory,
    private readonly ConfigFactoryInterface $configFactory,
    private readonly TimeInterface $time,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * Queues one event for an order; never throws.
   */
  public function record(OrderInterface $order, string $type, ?string $transition): void {
    try {
      if (trim((string) $this->configFactory->get('seam_bridge.settings')->get('base_url')) === '') {
        // Not configured yet: nothing to send to.
        return;
      }
      $item = self::item($order, $type, $transition, $this->time->getCurrentTime());
      $id = $this->queueFactory->get(self::QUEUE, TRUE)->createItem($item);
      if ($id === FALSE) {
        $this->logger->error('Could not queue @type for order @order.', ['@type' => $type, '@order' => $order->uuid()]);
        return;
      }
      $this->pending[] = [$id, $item];
    }
    catch (\Throwable $e) {
      $this->logger->error('Could not queue @type for order @order: @message', [
        '@type' => $type,
        '@order' => $order->uuid(),
        '@message' => $e->getMessage(),
      ]);
    }
  }

  /**
   * Builds the queue item of an order event.
   */
  public static function item(OrderInterface $order, string $type, ?string $transition, int $time): array {
    $state = $order->getState();
    $workflow = $state->getWorkflow();
    $total = $order->getTotalPrice();
    $store = $order->getStore();
    $payload = EventPayload::build($type, $time, [
      'uuid' => $order->uuid(),
      'id' => $order->id(),
      'number' => $order->getOrderNumber(),
      'store_uuid' => $store ? $store->uuid() : '',
      'state' => $state->getId(),
      'workflow' => $workflow ? $workflow->getId() : (string) $state->getSetting('workflow'),
      'transition' => $transition,
      'total' => $total ? Money::of($total->getNumber(), $total->getCurrencyCode()) : NULL,
    ]);
    return [
      'event_id' => Signer::newMessageId(),
      'type' => $type,
      'order_uuid' => $order->uuid(),
      'store_uuid' => $store ? $store->uuid() : '',
      'body' => EventPayload::encode($payload),
      'created' => $time,
    ];
  }

  /**
   * Takes (and forgets) the items queued in this request.
   *
   * @return array<int, array{0: mixed, 1: array}>
   */
  public function takePending(): array {
    $out = $this->pending;
    $this->pending = [];
    return $out;
  }

}
