<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * GET, PUT and DELETE /seam/catalog/product/{uuid}/translation/{langcode}.
 *
 * Pure PHP: the controller finds the product (404 not_found), checks the
 * content type (415) and holds the product's lock and a transaction; the
 * decisions and the answers are here. Each method returns [status, body]
 * with body NULL for 204. Errors are the bridge's {"error", "detail"}:
 * 404 no_translation (GET of a language the product has not), 409
 * language_unavailable (the site cannot hold the translation: seam skips the
 * language), 422 invalid_request (a bad body; the product's own language,
 * which is written over JSON:API).
 */
final class CatalogTranslationHandler {

  /**
   * @return array{0: int, 1: array<string, mixed>}
   */
  public static function get(CatalogTranslationPort $product, string $langcode): array {
    if ($refusal = self::refusal($product, $langcode)) {
      return $refusal;
    }
    if (!$product->hasTranslation($langcode)) {
      return [404, self::error('no_translation', "The product has no translation in '$langcode'.")];
    }
    return [200, self::answer($product, $langcode)];
  }

  /**
   * @return array{0: int, 1: array<string, mixed>}
   */
  public static function put(CatalogTranslationPort $product, string $langcode, string $raw): array {
    if ($refusal = self::refusal($product, $langcode)) {
      return $refusal;
    }
    try {
      $request = CatalogTranslationRequest::fromJson($raw, $product->variationUuids());
    }
    catch (InvalidRequestException $e) {
      return [422, self::error('invalid_request', $e->getMessage())];
    }
    $product->write($langcode, $request->title, $request->body, $request->variationTitles);
    return [200, self::answer($product, $langcode)];
  }

  /**
   * @return array{0: int, 1: array<string, mixed>|null}
   */
  public static function delete(CatalogTranslationPort $product, string $langcode): array {
    if ($refusal = self::refusal($product, $langcode)) {
      return $refusal;
    }
    $product->remove($langcode);
    return [204, NULL];
  }

  /**
   * The bridge's error body.
   *
   * @return array{error: string, detail: string}
   */
  public static function error(string $error, string $detail): array {
    return ['error' => $error, 'detail' => $detail];
  }

  /**
   * The answer for a language that cannot be addressed, or NULL.
   *
   * @return array{0: int, 1: array<string, string>}|null
   */
  private static function refusal(CatalogTranslationPort $product, string $langcode): ?array {
    if (preg_match('/^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i', $langcode) !== 1) {
      return [422, self::error('invalid_request', 'the langcode is a language code such as de or pt-br')];
    }
    if ($langcode === $product->defaultLangcode()) {
      return [422, self::error('invalid_request', "'$langcode' is the product's own language: write it over JSON:API.")];
    }
    if (($reason = $product->unavailableReason($langcode)) !== NULL) {
      return [409, self::error('language_unavailable', $reason)];
    }
    return NULL;
  }

  /**
   * @return array{langcode: string, title: string, body: array{value: string, format: string}|null, variations: array<string, array{title: string}>|\stdClass}
   */
  private static function answer(CatalogTranslationPort $product, string $langcode): array {
    $t = $product->read($langcode);
    $variations = [];
    foreach ($t['variations'] as $uuid => $title) {
      $variations[$uuid] = ['title' => $title];
    }
    return [
      'langcode' => $langcode,
      'title' => $t['title'],
      'body' => $t['body'],
      // An empty object, not [], when no variation is translated.
      'variations' => $variations ?: new \stdClass(),
    ];
  }

}
