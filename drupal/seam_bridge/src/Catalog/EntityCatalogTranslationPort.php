<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Catalog;

use Drupal\commerce_product\Entity\ProductInterface;
use Drupal\commerce_product\Entity\ProductVariationInterface;
use Drupal\Core\Entity\ContentEntityInterface;
use Drupal\Core\Language\LanguageManagerInterface;
use Drupal\seam_bridge\CatalogTranslationPort;

/**
 * CatalogTranslationPort over a commerce_product and its variations.
 *
 * Translations are Drupal's own (content_translation): a new one starts from
 * the untranslated values of every translatable field, as the translation
 * form does, then takes the title (and the product's body); seam writes only
 * those, so prices, SKUs and status stay as JSON:API wrote them.
 */
final class EntityCatalogTranslationPort implements CatalogTranslationPort {

  public function __construct(
    private readonly ProductInterface $product,
    private readonly LanguageManagerInterface $languageManager,
  ) {}

  public function defaultLangcode(): string {
    return $this->product->getUntranslated()->language()->getId();
  }

  public function unavailableReason(string $langcode): ?string {
    if ($this->languageManager->getLanguage($langcode) === NULL) {
      return "The language '$langcode' is not enabled on this site (add it at /admin/config/regional/language).";
    }
    if (!$this->product->isTranslatable()) {
      return "Products of type '" . $this->product->bundle() . "' are not translatable: enable content translation for them (/admin/config/regional/content-language).";
    }
    foreach ($this->variations() as $variation) {
      if (!$variation->isTranslatable()) {
        return "Product variations of type '" . $variation->bundle() . "' are not translatable: enable content translation for them (/admin/config/regional/content-language).";
      }
    }
    return NULL;
  }

  public function variationUuids(): array {
    return array_map(static fn(ProductVariationInterface $v): string => (string) $v->uuid(), $this->variations());
  }

  public function hasTranslation(string $langcode): bool {
    return $this->product->hasTranslation($langcode);
  }

  public function read(string $langcode): array {
    $t = $this->product->getTranslation($langcode);
    $body = NULL;
    if ($t->hasField('body') && !$t->get('body')->isEmpty()) {
      $item = $t->get('body')->first();
      $body = ['value' => (string) $item->value, 'format' => (string) $item->format];
    }
    $variations = [];
    foreach ($this->variations() as $v) {
      if ($v->hasTranslation($langcode)) {
        $variations[(string) $v->uuid()] = (string) $v->getTranslation($langcode)->getTitle();
      }
    }
    return ['title' => (string) $t->getTitle(), 'body' => $body, 'variations' => $variations];
  }

  public function write(string $langcode, string $title, ?array $body, array $variationTitles): void {
    /** @var \Drupal\commerce_product\Entity\ProductInterface $t */
    $t = self::translation($this->product, $langcode);
    $t->setTitle($title);
    if ($t->hasField('body')) {
      $t->set('body', $body);
    }
    $t->save();
    foreach ($this->variations() as $v) {
      $uuid = (string) $v->uuid();
      if (isset($variationTitles[$uuid])) {
        /** @var \Drupal\commerce_product\Entity\ProductVariationInterface $vt */
        $vt = self::translation($v, $langcode);
        if ($vt->isNewTranslation() || $vt->getTitle() !== $variationTitles[$uuid]) {
          $vt->setTitle($variationTitles[$uuid]);
          $vt->save();
        }
      }
    }
  }

  public function remove(string $langcode): void {
    foreach ($this->variations() as $v) {
      if ($v->hasTranslation($langcode)) {
        $v->removeTranslation($langcode);
        $v->save();
      }
    }
    if ($this->product->hasTranslation($langcode)) {
      $this->product->removeTranslation($langcode);
      $this->product->save();
    }
  }

  /**
   * The product's variations, untranslated, in their order on the product.
   *
   * @return \Drupal\commerce_product\Entity\ProductVariationInterface[]
   */
  private function variations(): array {
    return array_values($this->product->get('variations')->referencedEntities());
  }

  /**
   * The entity's translation in $langcode, added from its untranslated
   * values when there is none.
   */
  private static function translation(ContentEntityInterface $entity, string $langcode): ContentEntityInterface {
    if ($entity->hasTranslation($langcode)) {
      return $entity->getTranslation($langcode);
    }
    $source = $entity->getUntranslated();
    $keys = $entity->getEntityType()->getKeys();
    $values = [];
    foreach ($source->getTranslatableFields(FALSE) as $name => $items) {
      $values[$name] = $items->getValue();
    }
    unset($values[$keys['langcode'] ?? 'langcode'], $values[$keys['default_langcode'] ?? 'default_langcode']);
    unset($values['content_translation_source'], $values['content_translation_outdated']);
    $translation = $entity->addTranslation($langcode, $values);
    if ($translation->hasField('content_translation_source')) {
      $translation->set('content_translation_source', $source->language()->getId());
    }
    return $translation;
  }

}
