<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Event;

use Drupal\Component\Datetime\TimeInterface;
use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\KeyValueStore\KeyValueFactoryInterface;
use Drupal\Core\Site\Settings;
use Drupal\Core\State\StateInterface;
use Drupal\seam_bridge\DeliveryPolicy;
use Drupal\seam_bridge\SecretResolver;
use Drupal\seam_bridge\Signer;
use Drupal\seam_bridge\StoreMap;
use GuzzleHttp\ClientInterface;
use GuzzleHttp\Exception\GuzzleException;
use Psr\Log\LoggerInterface;

/**
 * Sends one queued event to seam, signed for this attempt.
 *
 * POST {base_url}/webhooks/drupal/{seam store} with content-type,
 * webhook-id (the event id, the same on every attempt), webhook-timestamp
 * (this attempt) and webhook-signature (v1 HMAC over id.timestamp.body).
 * Redirects are not followed. The number of attempts per event is kept in
 * key_value "seam_bridge.attempts"; the last outcome in state
 * "seam_bridge.last_delivery" (shown on the status report). Never throws.
 */
final class EventSender {

  public const STATE_LAST = 'seam_bridge.last_delivery';
  public const ATTEMPTS = 'seam_bridge.attempts';

  public function __construct(
    private readonly ClientInterface $httpClient,
    private readonly ConfigFactoryInterface $configFactory,
    private readonly StateInterface $state,
    private readonly KeyValueFactoryInterface $keyValue,
    private readonly TimeInterface $time,
    private readonly LoggerInterface $logger,
  ) {}

  /**
   * The signing secret from settings.php or the environment, or NULL.
   */
  public function secret(): ?string {
    $config = $this->configFactory->get('seam_bridge.settings');
    return SecretResolver::resolve(
      (string) $config->get('secret_source'),
      (string) $config->get('secret_name'),
      static fn(string $key) => Settings::get($key),
      static fn(string $name) => getenv($name),
    );
  }

  /**
   * Makes one delivery attempt.
   *
   * @param array $item
   *   A queue item from EventOutbox::item().
   * @param float $timeout
   *   Total request timeout in seconds.
   *
   * @return array{outcome: string, delay: int|null, status: int|null, error: string|null, attempts: int}
   *   outcome is DeliveryPolicy::OK, ::DROP (never retry: 400/410/413/422,
   *   a malformed item, or the last attempt failed) or ::RETRY after delay
   *   seconds.
   */
  public function deliver(array $item, float $timeout): array {
    $eventId = (string) ($item['event_id'] ?? '');
    if ($eventId === '' || !isset($item['body']) || !is_string($item['body'])) {
      $this->logger->error('Dropped a malformed seam_bridge_event queue item.');
      return ['outcome' => DeliveryPolicy::DROP, 'delay' => NULL, 'status' => NULL, 'error' => 'malformed item', 'attempts' => 0];
    }
    $attemptsStore = $this->keyValue->get(self::ATTEMPTS);
    $attempts = (int) $attemptsStore->get($eventId, 0) + 1;
    $attemptsStore->set($eventId, $attempts);

    $status = NULL;
    $error = NULL;
    $retryAfter = NULL;
    $config = $this->configFactory->get('seam_bridge.settings');
    $map = new StoreMap((array) ($config->get('stores') ?? []), (string) $config->get('default_store'));
    $seamStore = $map->seamStore((string) ($item['store_uuid'] ?? ''));
    $url = $seamStore === NULL ? NULL : StoreMap::webhookUrl((string) $config->get('base_url'), $seamStore);
    $secret = $this->secret();

    if ($url === NULL) {
      $error = $seamStore === NULL
        ? sprintf('no seam store is mapped for Drupal store %s', $item['store_uuid'] ?? '?')
        : 'the seam base URL is not an http(s) URL';
    }
    elseif (!SecretResolver::isUsable($secret)) {
      $error = 'the whsec_ signing secret is not set (see the seam bridge settings for where it is read)';
    }
    else {
      try {
        $now = $this->time->getCurrentTime();
        $headers = (new Signer((string) $secret))->headers($eventId, $now, $item['body']);
        $headers['user-agent'] = 'seam_bridge (Drupal Commerce)';
        $response = $this->httpClient->request('POST', $url, [
          'headers' => $headers,
          'body' => $item['body'],
          'timeout' => $timeout,
          'connect_timeout' => min($timeout, 3.0),
          'allow_redirects' => FALSE,
          'http_errors' => FALSE,
        ]);
        $status = $response->getStatusCode();
        $retryAfter = $response->getHeaderLine('retry-after') ?: NULL;
        if ($status < 200 || $status >= 300) {
          $error = sprintf('seam answered HTTP %d', $status);
        }
      }
      catch (GuzzleException | \InvalidArgumentException $e) {
        $error = self::oneLine($e->getMessage());
      }
    }

    $outcome = $error === NULL ? DeliveryPolicy::OK : DeliveryPolicy::classify($status);
    $delay = NULL;
    if ($outcome === DeliveryPolicy::RETRY) {
      $delay = DeliveryPolicy::nextDelay($attempts, $retryAfter, $this->time->getCurrentTime());
      if ($delay === NULL) {
        $outcome = DeliveryPolicy::DROP;
        $error .= sprintf(' (gave up after %d attempts)', $attempts);
      }
    }
    if ($outcome !== DeliveryPolicy::RETRY) {
      $attemptsStore->delete($eventId);
    }

    $this->state->set(self::STATE_LAST, [
      'time' => $this->time->getCurrentTime(),
      'event_id' => $eventId,
      'type' => (string) ($item['type'] ?? ''),
      'url' => $url,
      'status' => $status,
      'ok' => $outcome === DeliveryPolicy::OK,
      'error' => $error,
      'attempts' => $attempts,
    ]);
    $context = [
      '@type' => $item['type'] ?? '?',
      '@id' => $eventId,
      '@order' => $item['order_uuid'] ?? '?',
      '@n' => $attempts,
      '@error' => (string) $error,
      '@delay' => (string) $delay,
    ];
    if ($outcome === DeliveryPolicy::OK) {
      $this->logger->info('Sent @type @id (order @order) to seam on attempt @n.', $context);
    }
    elseif ($outcome === DeliveryPolicy::RETRY) {
      $this->logger->warning('Could not send @type @id (order @order), attempt @n: @error; retrying in @delay s.', $context);
    }
    else {
      $this->logger->error('Dropped @type @id (order @order) after attempt @n: @error.', $context);
    }
    return ['outcome' => $outcome, 'delay' => $delay, 'status' => $status, 'error' => $error, 'attempts' => $attempts];
  }

  private static function oneLine(string $s): string {
    $s = preg_replace('/\s+/', ' ', $s) ?? $s;
    return strlen($s) > 300 ? substr($s, 0, 300) . '...' : $s;
  }

}
