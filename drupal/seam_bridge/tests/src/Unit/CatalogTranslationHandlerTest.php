<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\CatalogTranslationHandler;
use Drupal\Tests\seam_bridge\Support\FakeCatalogProduct;
use PHPUnit\Framework\TestCase;

/**
 * The endpoint's answers, as seam's Drupal connector reads them
 * (src/connectors/drupal/products.c) and the Drupal double gives them
 * (sim/drupal/translations.c).
 *
 * @coversDefaultClass \Drupal\seam_bridge\CatalogTranslationHandler
 */
final class CatalogTranslationHandlerTest extends TestCase {

  public function testNoTranslationYet(): void {
    $p = new FakeCatalogProduct();
    $this->assertSame([404, ['error' => 'no_translation', 'detail' => "The product has no translation in 'de'."]], CatalogTranslationHandler::get($p, 'de'));
  }

  public function testPutCreatesThenGetReadsIt(): void {
    $p = new FakeCatalogProduct();
    $raw = '{"title":"Wanderschuh","body":{"value":"Leicht","format":"plain_text"},"variations":{"v-2":{"title":"Wanderschuh 42"}}}';
    [$status, $body] = CatalogTranslationHandler::put($p, 'de', $raw);
    $this->assertSame(200, $status);
    $expected = [
      'langcode' => 'de',
      'title' => 'Wanderschuh',
      'body' => ['value' => 'Leicht', 'format' => 'plain_text'],
      'variations' => ['v-2' => ['title' => 'Wanderschuh 42']],
    ];
    $this->assertSame($expected, $body);
    $this->assertSame([200, $expected], CatalogTranslationHandler::get($p, 'de'));
    // JSON as the connector reads it: variations is an object.
    $this->assertSame('{"langcode":"de","title":"Wanderschuh","body":{"value":"Leicht","format":"plain_text"},"variations":{"v-2":{"title":"Wanderschuh 42"}}}', json_encode($body));
  }

  public function testPutReplacesNamedValuesAndKeepsOtherVariations(): void {
    $p = new FakeCatalogProduct();
    CatalogTranslationHandler::put($p, 'de', '{"title":"A","body":{"value":"x","format":"plain_text"},"variations":{"v-1":{"title":"A1"},"v-2":{"title":"A2"}}}');
    [$status, $body] = CatalogTranslationHandler::put($p, 'de', '{"title":"B","variations":{"v-1":{"title":"B1"}}}');
    $this->assertSame(200, $status);
    $this->assertSame('B', $body['title']);
    $this->assertNull($body['body'], 'a body not sent is cleared');
    $this->assertSame(['v-1' => ['title' => 'B1'], 'v-2' => ['title' => 'A2']], $body['variations']);
  }

  public function testNoVariationTranslatedIsAnEmptyObject(): void {
    $p = new FakeCatalogProduct();
    [, $body] = CatalogTranslationHandler::put($p, 'fr', '{"title":"Chaussure"}');
    $this->assertSame('{"langcode":"fr","title":"Chaussure","body":null,"variations":{}}', json_encode($body));
  }

  public function testDeleteRemovesProductAndVariationTranslations(): void {
    $p = new FakeCatalogProduct();
    CatalogTranslationHandler::put($p, 'de', '{"title":"A","variations":{"v-1":{"title":"A1"}}}');
    CatalogTranslationHandler::put($p, 'fr', '{"title":"F","variations":{"v-1":{"title":"F1"}}}');
    $this->assertSame([204, NULL], CatalogTranslationHandler::delete($p, 'de'));
    $this->assertSame(404, CatalogTranslationHandler::get($p, 'de')[0]);
    $this->assertSame(['v-1' => ['title' => 'F1']], CatalogTranslationHandler::get($p, 'fr')[1]['variations'], 'other languages stay');
    $this->assertSame([204, NULL], CatalogTranslationHandler::delete($p, 'de'), 'deleting what is gone is 204 too');
  }

  public function testLanguageNotOnTheSiteIs409ForEveryMethod(): void {
    $p = new FakeCatalogProduct(enabled: ['en']);
    foreach ([
      CatalogTranslationHandler::get($p, 'de'),
      CatalogTranslationHandler::put($p, 'de', '{"title":"A"}'),
      CatalogTranslationHandler::delete($p, 'de'),
    ] as [$status, $body]) {
      $this->assertSame(409, $status);
      $this->assertSame('language_unavailable', $body['error']);
      $this->assertStringContainsString("'de'", $body['detail']);
    }
    $this->assertSame(0, $p->writes);
  }

  public function testNotTranslatableIs409(): void {
    $p = new FakeCatalogProduct(translatable: FALSE);
    [$status, $body] = CatalogTranslationHandler::put($p, 'de', '{"title":"A"}');
    $this->assertSame([409, 'language_unavailable'], [$status, $body['error']]);
    $this->assertSame(0, $p->writes);
  }

  public function testOwnLanguageAndBadLangcodeAre422(): void {
    $p = new FakeCatalogProduct();
    [$status, $body] = CatalogTranslationHandler::put($p, 'en', '{"title":"A"}');
    $this->assertSame([422, 'invalid_request'], [$status, $body['error']]);
    $this->assertStringContainsString('JSON:API', $body['detail']);
    foreach (['', 'd', 'de_DE', '../x', 'deutsch-'] as $bad) {
      $this->assertSame(422, CatalogTranslationHandler::get($p, $bad)[0], $bad);
    }
    // A well-formed code the site lacks is a 409, not a 422.
    $this->assertSame(409, CatalogTranslationHandler::put($p, 'pt-br', '{"title":"Sapato"}')[0]);
    $this->assertSame(0, $p->writes);
  }

  public function testBadBodyIs422AndWritesNothing(): void {
    $p = new FakeCatalogProduct();
    [$status, $body] = CatalogTranslationHandler::put($p, 'de', '{"title":"A","variations":{"not-mine":{"title":"x"}}}');
    $this->assertSame(422, $status);
    $this->assertSame(['error' => 'invalid_request', 'detail' => "a variation that is not one of the product's: not-mine"], $body);
    $this->assertSame(0, $p->writes);
    $this->assertFalse($p->hasTranslation('de'));
  }

}
