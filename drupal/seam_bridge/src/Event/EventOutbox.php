<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Event;

use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\Component\Datetime\TimeInterface;
use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\DestructableInterface;
use Drupal\Core\Queue\DelayableQueueInterface;
use Drupal\Core\Queue\QueueFactory;
use Drupal\seam_bridge\DeliveryPolicy;
use Drupal\seam_bridge\EventPayload;
use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\Signer;
use Psr\Log\LoggerInterface;

/**
 * Puts order events into the seam_bridge_event queue; sends them at the end.
 *
 * record() is called from the order event subscriber, i.e. inside the
 * order's save (and its database transaction, with the core database queue):
 * the event is stored if and only if the order change is. Nothing talks to
 * seam then. The items queued in this request are remembered, and destruct()
 * sends them after the response has been sent: the service is tagged
 * needs_destruction with a low priority, so it runs after Commerce's
 * PaymentOrderUpdater (whose destruct() recomputes total_paid and may raise
 * commerce_order.order.paid, queued here too). Each item gets one short
 * attempt (3 s, at most 8 s for the whole request); a delivered or
 * undeliverable item is deleted from the queue, a failed one stays queued
 * (delayed per DeliveryPolicy) for cron or `drush queue:run
 * seam_bridge_event`. Errors are logged and never reach the customer.
 *
 * Queue item: {event_id: "msg_<uuid4>", type, order_uuid, store_uuid,
 * body: the exact JSON bytes to sign and send, created: unix time}.
 */
final class EventOutbox implements DestructableInterface {

  public const QUEUE = 'seam_bridge_event';

  private const ATTEMPT_TIMEOUT = 3.0;
  private const BUDGET = 8.0;

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
    private readonly EventSender $sender,
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

  /**
   * {@inheritdoc}
   *
   * Runs after the response was sent (PHP-FPM; PHP's built-in server keeps
   * the connection open until the script ends).
   */
  public function destruct(): void {
    $this->deliverPending();
  }

  /**
   * Tries once to send the events queued in this request; never throws.
   */
  public function deliverPending(): void {
    $pending = $this->takePending();
    if (!$pending) {
      return;
    }
    $start = microtime(TRUE);
    try {
      $queue = $this->queueFactory->get(self::QUEUE, TRUE);
      foreach ($pending as [$itemId, $data]) {
        $left = self::BUDGET - (microtime(TRUE) - $start);
        if ($left < 0.5) {
          // The rest waits for cron / queue runners.
          break;
        }
        $item = (object) ['item_id' => $itemId, 'data' => $data];
        $result = $this->sender->deliver($data, min(self::ATTEMPT_TIMEOUT, $left));
        if ($result['outcome'] === DeliveryPolicy::RETRY) {
          if ($queue instanceof DelayableQueueInterface && $result['delay'] !== NULL) {
            $queue->delayItem($item, $result['delay']);
          }
          continue;
        }
        $queue->deleteItem($item);
      }
    }
    catch (\Throwable $e) {
      $this->logger->error('Delivering seam events after the response failed: @message', ['@message' => $e->getMessage()]);
    }
  }

}
