<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\EventSubscriber;

use Drupal\Core\Queue\DelayableQueueInterface;
use Drupal\Core\Queue\QueueFactory;
use Drupal\seam_bridge\DeliveryPolicy;
use Drupal\seam_bridge\Event\EventOutbox;
use Drupal\seam_bridge\Event\EventSender;
use Psr\Log\LoggerInterface;
use Symfony\Component\EventDispatcher\EventSubscriberInterface;
use Symfony\Component\HttpKernel\Event\TerminateEvent;
use Symfony\Component\HttpKernel\KernelEvents;

/**
 * After the response is sent, delivers the events queued in this request.
 *
 * Runs on kernel.terminate after the destructable services (priority 100),
 * so the order.paid events raised by Commerce's PaymentOrderUpdater at the end
 * of the request are included. Each item gets one short attempt (3 s, at most
 * 8 s for the whole request); a delivered or undeliverable item is deleted
 * from the queue, a failed one stays queued (delayed per DeliveryPolicy) for
 * cron or `drush queue:run seam_bridge_event`. Nothing here reaches the
 * customer: the response is already out (with PHP-FPM; PHP's built-in server
 * holds the connection until the script ends).
 */
final class DeliverOnTerminateSubscriber implements EventSubscriberInterface {

  private const ATTEMPT_TIMEOUT = 3.0;
  private const BUDGET = 8.0;

  public function __construct(
    private readonly EventOutbox $outbox,
    private readonly EventSender $sender,
    private readonly QueueFactory $queueFactory,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    return [KernelEvents::TERMINATE => ['onTerminate', -100]];
  }

  public function onTerminate(TerminateEvent $event): void {
    $pending = $this->outbox->takePending();
    if (!$pending) {
      return;
    }
    $start = microtime(TRUE);
    try {
      $queue = $this->queueFactory->get(EventOutbox::QUEUE, TRUE);
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
