<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Keeps idempotency key => (request fingerprint, response) for transitions.
 *
 * Implemented over the seam_bridge_idempotency table by
 * \Drupal\seam_bridge\Payment\DatabaseIdempotencyStore.
 */
interface IdempotencyStore {

  /**
   * @return array{fingerprint: string, response: string}|null
   *   The stored record, or NULL when the key is new.
   */
  public function find(string $key): ?array;

  /**
   * Stores the response JSON of a successful transition under its key.
   */
  public function save(string $key, string $paymentUuid, string $fingerprint, string $response): void;

}
