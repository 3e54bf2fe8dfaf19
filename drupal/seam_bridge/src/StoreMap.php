<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Maps a Drupal Commerce store uuid to seam's store name and builds the URL.
 *
 * Pure PHP. The map comes from config (seam_bridge.settings:stores), a list
 * of {store_uuid, seam_store}; default_store (may be empty) is used for
 * stores not listed.
 */
final class StoreMap {

  /**
   * @param array<int, array{store_uuid?: string, seam_store?: string}> $stores
   */
  public function __construct(
    private readonly array $stores,
    private readonly string $defaultStore = '',
  ) {}

  /**
   * Whether a seam store name is safe as one URL path segment.
   */
  public static function isValidName(string $name): bool {
    return (bool) preg_match('/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/', $name);
  }

  /**
   * The seam store name for a Drupal store uuid, or NULL when unmapped.
   */
  public function seamStore(string $storeUuid): ?string {
    foreach ($this->stores as $row) {
      if (($row['store_uuid'] ?? NULL) === $storeUuid && self::isValidName((string) ($row['seam_store'] ?? ''))) {
        return $row['seam_store'];
      }
    }
    return self::isValidName($this->defaultStore) ? $this->defaultStore : NULL;
  }

  /**
   * "{base}/webhooks/drupal/{store}"; NULL when the base URL is not http(s).
   */
  public static function webhookUrl(string $baseUrl, string $seamStore): ?string {
    $baseUrl = rtrim(trim($baseUrl), '/');
    if (!preg_match('~^https?://[^/\s?#]+(/[^\s?#]*)?$~', $baseUrl) || !self::isValidName($seamStore)) {
      return NULL;
    }
    return $baseUrl . '/webhooks/drupal/' . rawurlencode($seamStore);
  }

}
