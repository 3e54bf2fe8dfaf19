<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Support;

/**
 * A small JSON Schema checker for the keywords contracts/bridge/v1 uses.
 *
 * Test helper only: type, enum, const, required, properties,
 * additionalProperties (false), items (one schema for every item), minItems,
 * maxItems, pattern, minLength, maxLength, minimum, oneOf and local $ref
 * ("#/$defs/..."). Unknown keywords are ignored. Values are decoded JSON
 * with objects as \stdClass.
 */
final class MiniSchema {

  public function __construct(private readonly \stdClass $root) {}

  public static function load(string $file): self {
    return new self(json_decode((string) file_get_contents($file), FALSE, 512, JSON_THROW_ON_ERROR));
  }

  /**
   * @return string[]
   *   Violations as "path: message"; empty when valid.
   */
  public function errors(mixed $value, ?\stdClass $schema = NULL, string $path = '$'): array {
    $s = $schema ?? $this->root;
    if (isset($s->{'$ref'})) {
      $name = substr($s->{'$ref'}, strlen('#/$defs/'));
      return $this->errors($value, $this->root->{'$defs'}->{$name}, $path);
    }
    $e = [];
    if (isset($s->type)) {
      $types = (array) $s->type;
      $ok = FALSE;
      foreach ($types as $t) {
        $ok = $ok || match ($t) {
          'object' => $value instanceof \stdClass,
          'array' => is_array($value),
          'string' => is_string($value),
          'integer' => is_int($value),
          'number' => is_int($value) || is_float($value),
          'boolean' => is_bool($value),
          'null' => $value === NULL,
        };
      }
      if (!$ok) {
        return ["$path: expected " . implode('|', $types) . ', got ' . get_debug_type($value)];
      }
    }
    if (isset($s->enum) && !in_array($value, $s->enum, TRUE)) {
      $e[] = "$path: not in enum";
    }
    if (property_exists($s, 'const') && $value !== $s->const) {
      $e[] = "$path: not the const";
    }
    if (is_string($value)) {
      if (isset($s->pattern) && !preg_match('/' . str_replace('/', '\/', $s->pattern) . '/u', $value)) {
        $e[] = "$path: does not match {$s->pattern}";
      }
      if (isset($s->minLength) && preg_match_all('/./su', $value) < $s->minLength) {
        $e[] = "$path: shorter than {$s->minLength}";
      }
      if (isset($s->maxLength) && preg_match_all('/./su', $value) > $s->maxLength) {
        $e[] = "$path: longer than {$s->maxLength}";
      }
    }
    if (is_int($value) && isset($s->minimum) && $value < $s->minimum) {
      $e[] = "$path: below {$s->minimum}";
    }
    if (is_array($value)) {
      if (isset($s->minItems) && count($value) < $s->minItems) {
        $e[] = "$path: fewer than {$s->minItems} items";
      }
      if (isset($s->maxItems) && count($value) > $s->maxItems) {
        $e[] = "$path: more than {$s->maxItems} items";
      }
      if (isset($s->items) && $s->items instanceof \stdClass) {
        foreach ($value as $i => $item) {
          $e = array_merge($e, $this->errors($item, $s->items, "{$path}[{$i}]"));
        }
      }
    }
    if ($value instanceof \stdClass) {
      foreach ($s->required ?? [] as $r) {
        if (!property_exists($value, $r)) {
          $e[] = "$path: missing $r";
        }
      }
      $props = $s->properties ?? new \stdClass();
      foreach (get_object_vars($value) as $k => $v) {
        if (isset($props->{$k})) {
          $e = array_merge($e, $this->errors($v, $props->{$k}, "$path.$k"));
        }
        elseif (($s->additionalProperties ?? TRUE) === FALSE) {
          $e[] = "$path: unexpected member $k";
        }
      }
    }
    if (isset($s->oneOf)) {
      $matches = 0;
      foreach ($s->oneOf as $alt) {
        if ($this->errors($value, $alt, $path) === []) {
          $matches++;
        }
      }
      if ($matches !== 1) {
        $e[] = "$path: matches $matches of oneOf";
      }
    }
    return $e;
  }

  public function root(): \stdClass {
    return $this->root;
  }

}
