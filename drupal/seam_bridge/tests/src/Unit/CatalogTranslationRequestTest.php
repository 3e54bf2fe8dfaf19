<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\CatalogTranslationRequest;
use Drupal\seam_bridge\InvalidRequestException;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\CatalogTranslationRequest
 */
final class CatalogTranslationRequestTest extends TestCase {

  private const OWN = ['9f0c2d5e-1111-4a4a-8b8b-000000000001', '9f0c2d5e-1111-4a4a-8b8b-000000000002'];

  public function testFullBody(): void {
    $r = CatalogTranslationRequest::fromJson(json_encode([
      'title' => 'Wanderschuh',
      'body' => ['value' => '<p>Leicht</p>', 'format' => 'basic_html'],
      'variations' => [self::OWN[1] => ['title' => 'Wanderschuh, rot, 42']],
    ]), self::OWN);
    $this->assertSame('Wanderschuh', $r->title);
    $this->assertSame(['value' => '<p>Leicht</p>', 'format' => 'basic_html'], $r->body);
    $this->assertSame([self::OWN[1] => 'Wanderschuh, rot, 42'], $r->variationTitles);
  }

  public function testBodyAndVariationsAreOptional(): void {
    $r = CatalogTranslationRequest::fromJson('{"title":"Chaussure","body":null}', self::OWN);
    $this->assertNull($r->body);
    $this->assertSame([], $r->variationTitles);
    $r = CatalogTranslationRequest::fromJson('{"title":"Chaussure","variations":{}}', self::OWN);
    $this->assertNull($r->body);
    $this->assertSame([], $r->variationTitles);
  }

  public function testTitleOf255CharactersIsAccepted(): void {
    $title = str_repeat('ü', 255);
    $this->assertSame($title, CatalogTranslationRequest::fromJson(json_encode(['title' => $title]), [])->title);
  }

  /**
   * @dataProvider badBodies
   */
  public function testBadBodiesAreRefused(string $raw, string $message): void {
    try {
      CatalogTranslationRequest::fromJson($raw, self::OWN);
      $this->fail("accepted: $raw");
    }
    catch (InvalidRequestException $e) {
      $this->assertStringContainsString($message, $e->getMessage());
    }
  }

  /**
   * @return array<string, array{string, string}>
   */
  public static function badBodies(): array {
    $long = str_repeat('a', 256);
    return [
      'not json' => ['{"title":', 'not valid JSON'],
      'an array' => ['["title"]', 'JSON object'],
      'a string' => ['"title"', 'JSON object'],
      'no title' => ['{"body":null}', 'title is required'],
      'empty title' => ['{"title":""}', 'title is required'],
      'title not a string' => ['{"title":7}', 'title is required'],
      'title too long' => ['{"title":"' . $long . '"}', 'title is required'],
      'unknown member' => ['{"title":"t","status":true}', 'unknown member(s): status'],
      'body a string' => ['{"title":"t","body":"text"}', 'body is null or {value, format}'],
      'body without format' => ['{"title":"t","body":{"value":"x"}}', 'body is null or {value, format}'],
      'body with empty format' => ['{"title":"t","body":{"value":"x","format":""}}', 'body is null or {value, format}'],
      'body with more' => ['{"title":"t","body":{"value":"x","format":"f","summary":""}}', 'body is null or {value, format}'],
      'variations a list' => ['{"title":"t","variations":[{"title":"x"}]}', 'variations is an object'],
      'variation without title' => ['{"title":"t","variations":{"' . self::OWN[0] . '":{}}}', 'each variation is {title}'],
      'variation with more' => ['{"title":"t","variations":{"' . self::OWN[0] . '":{"title":"x","sku":"y"}}}', 'each variation is {title}'],
      'variation title too long' => ['{"title":"t","variations":{"' . self::OWN[0] . '":{"title":"' . $long . '"}}}', 'each variation is {title}'],
      'foreign variation' => ['{"title":"t","variations":{"other-uuid":{"title":"x"}}}', "not one of the product's: other-uuid"],
      'too large' => ['{"title":"' . str_repeat('a', CatalogTranslationRequest::MAX_BODY_BYTES) . '"}', 'larger than'],
    ];
  }

}
