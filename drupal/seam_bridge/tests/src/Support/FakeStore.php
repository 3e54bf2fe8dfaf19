<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

use Drupal\seam_bridge\IdempotencyStore;

/**
 * In-memory idempotency store for the handler tests.
 */
final class FakeStore implements IdempotencyStore {

  public array $rows = [];

  public function find(string $key): ?array {
    return $this->rows[$key] ?? NULL;
  }

  public function save(string $key, string $paymentUuid, string $fingerprint, string $response): void {
    $this->rows[$key] = ['fingerprint' => $fingerprint, 'response' => $response, 'payment' => $paymentUuid];
  }

}
