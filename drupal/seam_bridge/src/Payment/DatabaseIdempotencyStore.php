<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Payment;

use Drupal\Component\Datetime\TimeInterface;
use Drupal\Core\Database\Connection;
use Drupal\seam_bridge\IdempotencyStore;

/**
 * IdempotencyStore over the seam_bridge_idempotency table (hook_schema).
 *
 * Rows are keyed by the SHA-256 of the idempotency key (fixed width on every
 * database engine); the key itself is kept for operators. Rows older than
 * seam_bridge.settings:idempotency_ttl_days are purged on cron.
 */
final class DatabaseIdempotencyStore implements IdempotencyStore {

  public const TABLE = 'seam_bridge_idempotency';

  public function __construct(
    private readonly Connection $database,
    private readonly TimeInterface $time,
  ) {}

  public function find(string $key): ?array {
    $row = $this->database->select(self::TABLE, 'i')
      ->fields('i', ['fingerprint', 'response'])
      ->condition('key_hash', hash('sha256', $key))
      ->execute()
      ->fetchAssoc();
    return $row ? ['fingerprint' => (string) $row['fingerprint'], 'response' => (string) $row['response']] : NULL;
  }

  public function save(string $key, string $paymentUuid, string $fingerprint, string $response): void {
    $this->database->merge(self::TABLE)
      ->key('key_hash', hash('sha256', $key))
      ->fields([
        'idempotency_key' => $key,
        'payment_uuid' => $paymentUuid,
        'fingerprint' => $fingerprint,
        'response' => $response,
        'created' => $this->time->getRequestTime(),
      ])
      ->execute();
  }

  /**
   * Deletes rows older than $days days; returns how many.
   */
  public function purge(int $days): int {
    return (int) $this->database->delete(self::TABLE)
      ->condition('created', $this->time->getRequestTime() - max(1, $days) * 86400, '<')
      ->execute();
  }

}
