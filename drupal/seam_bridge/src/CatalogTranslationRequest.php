<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * A parsed, validated body of PUT /seam/catalog/product/{uuid}/translation/{langcode}.
 *
 * Pure PHP. Body (docs/bridge.md, "Catalog translations"):
 * {"title": string, "body": {"value": string, "format": string} | null,
 *  "variations": {"<variation uuid>": {"title": string}}}
 * title is required (1..255 characters); body absent or null clears the
 * translation's body; a variation not named keeps its translation. Every
 * named variation must be one of the product's (the caller passes their
 * uuids). Unknown members and over-long strings are refused with
 * InvalidRequestException, whose message is the 422 answer's detail.
 */
final class CatalogTranslationRequest {

  public const MAX_TITLE_CHARS = 255;
  public const MAX_FORMAT_CHARS = 255;
  public const MAX_BODY_BYTES = 1048576;

  private const MEMBERS = ['title', 'body', 'variations'];

  /**
   * @param array{value: string, format: string}|null $body
   * @param array<string, string> $variationTitles
   *   Variation uuid => title.
   */
  private function __construct(
    public readonly string $title,
    public readonly ?array $body,
    public readonly array $variationTitles,
  ) {}

  /**
   * Parses and validates a raw JSON body.
   *
   * @param string[] $variationUuids
   *   The uuids of the product's variations.
   *
   * @throws \Drupal\seam_bridge\InvalidRequestException
   */
  public static function fromJson(string $raw, array $variationUuids): self {
    if (strlen($raw) > self::MAX_BODY_BYTES) {
      throw new InvalidRequestException('body is larger than ' . self::MAX_BODY_BYTES . ' bytes');
    }
    try {
      $data = json_decode($raw, TRUE, 8, JSON_THROW_ON_ERROR);
    }
    catch (\JsonException $e) {
      throw new InvalidRequestException('body is not valid JSON: ' . $e->getMessage());
    }
    if (!is_array($data) || !str_starts_with(ltrim($raw), '{')) {
      throw new InvalidRequestException('the body is a JSON object {title, body, variations}');
    }
    return self::fromArray($data, $variationUuids);
  }

  /**
   * Validates a decoded body.
   *
   * @param array<string, mixed> $data
   * @param string[] $variationUuids
   *
   * @throws \Drupal\seam_bridge\InvalidRequestException
   */
  public static function fromArray(array $data, array $variationUuids): self {
    $unknown = array_diff(array_map('strval', array_keys($data)), self::MEMBERS);
    if ($unknown) {
      throw new InvalidRequestException('unknown member(s): ' . implode(', ', $unknown) . ' (title, body, variations)');
    }
    $title = $data['title'] ?? NULL;
    if (!self::isText($title, self::MAX_TITLE_CHARS)) {
      throw new InvalidRequestException('title is required (1..' . self::MAX_TITLE_CHARS . ' characters)');
    }
    $body = $data['body'] ?? NULL;
    if ($body !== NULL) {
      if (!is_array($body) || array_keys($body) === [] || array_is_list($body)
        || array_diff(array_keys($body), ['value', 'format']) || !is_string($body['value'] ?? NULL)
        || !self::isText($body['format'] ?? NULL, self::MAX_FORMAT_CHARS)
        || preg_match('//u', $body['value']) !== 1) {
        throw new InvalidRequestException('body is null or {value, format} (strings, format not empty)');
      }
      $body = ['value' => $body['value'], 'format' => $body['format']];
    }
    $variations = $data['variations'] ?? [];
    if (!is_array($variations) || ($variations !== [] && array_is_list($variations))) {
      throw new InvalidRequestException('variations is an object: variation uuid -> {title}');
    }
    $own = array_flip($variationUuids);
    $titles = [];
    foreach ($variations as $uuid => $v) {
      $uuid = (string) $uuid;
      if (!is_array($v) || array_keys($v) !== ['title'] || !self::isText($v['title'], self::MAX_TITLE_CHARS)) {
        throw new InvalidRequestException('each variation is {title} (1..' . self::MAX_TITLE_CHARS . ' characters)');
      }
      if (!isset($own[$uuid])) {
        throw new InvalidRequestException("a variation that is not one of the product's: $uuid");
      }
      $titles[$uuid] = $v['title'];
    }
    return new self($title, $body, $titles);
  }

  /**
   * Whether a value is a non-empty UTF-8 string of at most $max characters.
   */
  private static function isText(mixed $value, int $max): bool {
    if (!is_string($value) || $value === '') {
      return FALSE;
    }
    $chars = preg_match_all('/./su', $value);
    return $chars !== FALSE && $chars <= $max;
  }

}
