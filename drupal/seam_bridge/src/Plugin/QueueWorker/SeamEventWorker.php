<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\QueueWorker;

use Drupal\Core\Plugin\ContainerFactoryPluginInterface;
use Drupal\Core\Queue\Attribute\QueueWorker;
use Drupal\Core\Queue\DelayedRequeueException;
use Drupal\Core\Queue\QueueWorkerBase;
use Drupal\Core\StringTranslation\TranslatableMarkup;
use Drupal\seam_bridge\DeliveryPolicy;
use Drupal\seam_bridge\Event\EventSender;
use Symfony\Component\DependencyInjection\ContainerInterface;

/**
 * Delivers queued order events to seam (cron and queue runners).
 *
 * Success and "never retry" outcomes finish the item; a retryable failure
 * throws DelayedRequeueException so the core database queue makes the item
 * available again after the DeliveryPolicy delay (with up to 10% jitter).
 */
#[QueueWorker(
  id: 'seam_bridge_event',
  title: new TranslatableMarkup('seam bridge: deliver order events to seam'),
  cron: ['time' => 30],
)]
final class SeamEventWorker extends QueueWorkerBase implements ContainerFactoryPluginInterface {

  private const TIMEOUT = 15.0;

  public function __construct(array $configuration, $plugin_id, $plugin_definition, private readonly EventSender $sender) {
    parent::__construct($configuration, $plugin_id, $plugin_definition);
  }

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container, array $configuration, $plugin_id, $plugin_definition): static {
    return new static($configuration, $plugin_id, $plugin_definition, $container->get('seam_bridge.sender'));
  }

  /**
   * {@inheritdoc}
   */
  public function processItem($data): void {
    $result = $this->sender->deliver(is_array($data) ? $data : [], self::TIMEOUT);
    if ($result['outcome'] === DeliveryPolicy::RETRY) {
      $delay = (int) $result['delay'];
      throw new DelayedRequeueException($delay + random_int(0, intdiv($delay, 10)), (string) $result['error']);
    }
  }

}
