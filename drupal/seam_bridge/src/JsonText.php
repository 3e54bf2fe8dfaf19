<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Checks the text of seam_external_refs: empty, or one JSON object.
 *
 * Pure PHP.
 */
final class JsonText {

  /**
   * NULL when valid, else a message for the validation error.
   */
  public static function objectError(?string $text): ?string {
    if ($text === NULL || trim($text) === '') {
      return NULL;
    }
    try {
      $v = json_decode($text, FALSE, 32, JSON_THROW_ON_ERROR);
    }
    catch (\JsonException $e) {
      return 'is not valid JSON (' . $e->getMessage() . ')';
    }
    return $v instanceof \stdClass ? NULL : 'must be a JSON object';
  }

}
