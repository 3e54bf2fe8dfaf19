<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\TaxQuoteRequest;
use Drupal\seam_bridge\TaxQuoteResult;
use Drupal\Tests\seam_bridge\Support\FakeTaxOrder;
use Drupal\Tests\seam_bridge\Support\FakeTaxTransport;
use PHPUnit\Framework\TestCase;

/**
 * Reading seam's quote and what it puts on the order.
 *
 * @coversDefaultClass \Drupal\seam_bridge\TaxQuoteResult
 */
final class TaxQuoteResultTest extends TestCase {

  private static function request(?array $cart = NULL): TaxQuoteRequest {
    return TaxQuoteRequest::build($cart ?? FakeTaxOrder::usCart());
  }

  /**
   * seam's answer to the US cart, as an array to break in tests.
   */
  private static function answer(string $source = 'engine'): array {
    $r = self::request();
    return FakeTaxTransport::quote($r->body(), $r->json(), $source);
  }

  public function testReadsAnEngineAnswer(): void {
    $r = self::request();
    $result = TaxQuoteResult::fromJson(json_encode(self::answer()), $r);
    $this->assertSame('engine', $result->source);
    $this->assertNull($result->estimateReason);
    $this->assertFalse($result->isEstimate());
    $this->assertSame('USD', $result->currency);
    // 39.98 x 0.0725 = 2.89855 -> 2.90; 7.5 x 0.0725 = 0.54375 -> 0.54; 5 x 0.0725 = 0.3625 -> 0.36.
    $this->assertSame('2.90', $result->lineTax('12', 2));
    $this->assertSame('0.54', $result->lineTax('13', 2));
    $this->assertSame('0.36', $result->shippingTax(2));
    $this->assertSame('0.0725', $result->lineRate('12'));
    $this->assertSame('3.80', $result->appliedTotal(2));
    $this->assertSame('CALIFORNIA', $result->label());
    $this->assertSame('seam|engine', $result->sourceId());
    $this->assertSame($r->key(), $result->quoteKey);
  }

  public function testRoundsToTheCurrencysDigits(): void {
    $a = self::answer();
    $a['lines'][0]['tax'] = '2.898550';
    $a['lines'][1]['tax'] = '0.5437';
    $a['shipping']['tax'] = '0.365';
    $result = TaxQuoteResult::fromArray($a, self::request());
    $this->assertSame('2.90', $result->lineTax('12', 2));
    $this->assertSame('0.54', $result->lineTax('13', 2));
    $this->assertSame('0.37', $result->shippingTax(2));
    $this->assertSame('3', $result->lineTax('12', 0));
    $this->assertSame('2.899', $result->lineTax('12', 3));
    $this->assertSame('3.81', $result->appliedTotal(2));
  }

  public function testEstimateIsSaidInTheLabel(): void {
    $result = TaxQuoteResult::fromArray(self::answer('estimate'), self::request());
    $this->assertTrue($result->isEstimate());
    $this->assertSame('engine_timeout', $result->estimateReason);
    $this->assertSame('CALIFORNIA (estimate)', $result->label());
    $this->assertSame('seam|estimate', $result->sourceId());
  }

  public function testLabelWithSeveralOrNoJurisdictions(): void {
    $a = self::answer('cache');
    $a['jurisdictions'][] = ['name' => 'LOS ANGELES COUNTY', 'tax' => '0.10'];
    $this->assertSame('Tax', TaxQuoteResult::fromArray($a, self::request())->label());
    $a['jurisdictions'] = [];
    $this->assertSame('Tax', TaxQuoteResult::fromArray($a, self::request())->label());
    $a['jurisdictions'] = [['name' => '  ', 'tax' => '0']];
    $this->assertSame('Tax', TaxQuoteResult::fromArray($a, self::request())->label());
    $this->assertSame('seam|cache', TaxQuoteResult::fromArray($a, self::request())->sourceId());
  }

  public function testKeepsWhatItNeedsAndReadsItBack(): void {
    $r = self::request();
    $a = self::answer('estimate');
    $a['lines'] = array_reverse($a['lines']);
    $a['extra'] = 'ignored';
    $result = TaxQuoteResult::fromArray($a, $r);
    $kept = json_decode(json_encode($result->toArray()), TRUE);
    $again = TaxQuoteResult::fromArray($kept, $r);
    $this->assertEquals($result, $again);
    $this->assertSame(['12', '13'], array_column($kept['lines'], 'id'));
    $this->assertArrayNotHasKey('extra', $kept);
  }

  public function testShippingTaxWithoutShippingInTheCartIsIgnored(): void {
    $cart = FakeTaxOrder::usCart();
    unset($cart['shipping']);
    $r = self::request($cart);
    $a = FakeTaxTransport::quote($r->body(), $r->json());
    $a['shipping'] = ['tax' => '9.99'];
    $result = TaxQuoteResult::fromArray($a, $r);
    $this->assertNull($result->shippingTax(2));
    $this->assertSame('3.44', $result->appliedTotal(2));
  }

  public function testZeroTaxIsAnAnswer(): void {
    $a = self::answer();
    $a['lines'][0]['tax'] = '0';
    $a['lines'][1]['tax'] = '-0.00';
    $result = TaxQuoteResult::fromArray($a, self::request());
    $this->assertSame('0.00', $result->lineTax('12', 2));
    $this->assertSame('0.00', $result->lineTax('13', 2));
  }

  /**
   * Answers that cannot be applied, and why.
   */
  public static function unusable(): array {
    return [
      'other currency' => [static function (array &$a) { $a['currency'] = 'EUR'; }, 'currency: "EUR", the cart is in USD'],
      'a line missing' => [static function (array &$a) { array_pop($a['lines']); }, 'lines: no tax for line "13" of the cart'],
      'a line not in the cart' => [static function (array &$a) { $a['lines'][] = ['id' => '99', 'tax' => '1', 'taxable' => '10']; }, 'lines: line "99" is not in the cart'],
      'a line twice' => [static function (array &$a) { $a['lines'][] = $a['lines'][0]; }, 'answered twice'],
      'negative tax' => [static function (array &$a) { $a['lines'][0]['tax'] = '-1.00'; }, 'lines[0].tax: "-1.00" is negative'],
      'tax as a number' => [static function (array &$a) { $a['lines'][0]['tax'] = 2.9; }, 'lines[0].tax: not a decimal string'],
      'tax not decimal' => [static function (array &$a) { $a['lines'][0]['tax'] = 'NaN'; }, 'lines[0].tax'],
      'id as a number' => [static function (array &$a) { $a['lines'][0]['id'] = 12; }, 'lines[0].id: not a string'],
      'unknown source' => [static function (array &$a) { $a['source'] = 'guess'; }, 'source: "guess"'],
      'no source' => [static function (array &$a) { unset($a['source']); }, 'source:'],
      'no quote key' => [static function (array &$a) { unset($a['quote_key']); }, 'quote_key: missing'],
      'no shipping tax for shipping' => [static function (array &$a) { $a['shipping'] = NULL; }, 'shipping: the cart has shipping'],
      'shipping not an object' => [static function (array &$a) { $a['shipping'] = '0.36'; }, 'shipping: not an object'],
      'no taxable' => [static function (array &$a) { unset($a['lines'][1]['taxable']); }, 'lines[1].taxable: not a decimal string'],
      'no total taxable' => [static function (array &$a) { unset($a['total_taxable']); }, 'total_taxable'],
      'no total' => [static function (array &$a) { unset($a['total_tax']); }, 'total_tax'],
      'lines not a list' => [static function (array &$a) { $a['lines'] = ['12' => $a['lines'][0]]; }, 'lines: not a list'],
      'jurisdiction without name' => [static function (array &$a) { $a['jurisdictions'][0] = ['tax' => '1']; }, 'jurisdictions[0].name'],
    ];
  }

  /**
   * @dataProvider unusable
   */
  public function testUnusableAnswersAreRefused(\Closure $break, string $message): void {
    $a = self::answer();
    $break($a);
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage($message);
    TaxQuoteResult::fromJson(json_encode($a), self::request());
  }

  public function testNotJsonOrNotAnObject(): void {
    foreach (['<html>Bad gateway</html>' => 'not JSON', '[1,2]' => 'not a JSON object', '"x"' => 'not a JSON object'] as $body => $message) {
      try {
        TaxQuoteResult::fromJson($body, self::request());
        $this->fail("accepted $body");
      }
      catch (\InvalidArgumentException $e) {
        $this->assertStringContainsString($message, $e->getMessage());
      }
    }
  }

}
