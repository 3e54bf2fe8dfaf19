<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\TaxQuoteRequest;
use Drupal\Tests\seam_bridge\Support\FakeTaxOrder;
use PHPUnit\Framework\TestCase;

/**
 * The canonical cart of a tax quote and its key.
 *
 * @coversDefaultClass \Drupal\seam_bridge\TaxQuoteRequest
 */
final class TaxQuoteRequestTest extends TestCase {

  /**
   * A cart with every kind of text jansson escapes (or does not).
   */
  private static function trickyCart(): array {
    return [
      'store' => 'us', 'currency' => 'USD', 'date' => '2026-12-04',
      'customer_id' => '7',
      'ship_to' => [
        'country_code' => 'us', 'administrative_area' => 'CA', 'postal_code' => '94016', 'locality' => 'San José',
        'address_line1' => "1 \"Main\" St\\Apt 2/3\tx\x01\x1f\x7f \u{2028} \u{1F600}",
      ],
      'ship_from' => ['country_code' => 'US', 'administrative_area' => 'CA', 'postal_code' => '94016', 'locality' => 'Springfield', 'address_line1' => '1 Main St'],
      'lines' => [
        ['id' => '12', 'sku' => 'SKU-000001', 'tax_code' => 'PC040100', 'quantity' => '2.00', 'amount' => '39.980000', 'discount' => '0.000000'],
        ['id' => '13', 'sku' => 'SKU-000002', 'quantity' => '1', 'amount' => '7.5', 'discount' => '1.00'],
      ],
      'shipping' => ['amount' => '5.00'],
    ];
  }

  /**
   * The bytes and key seam computes for the same request.
   *
   * Expected values produced with jansson 2.14 (Debian 12), the library
   * seam's quote_key() uses: PHP's json_encode() of this body with its
   * members in another order and its text \u-escaped, read by json_loads()
   * and written by json_dumps(JSON_COMPACT | JSON_SORT_KEYS), gave exactly
   * these bytes (cmp); those bytes, "|" and the date through sha256sum gave
   * this key.
   */
  public function testCanonicalJsonIsWhatSeamHashes(): void {
    $r = TaxQuoteRequest::build(self::trickyCart());
    $expected = '{"currency":"USD","customer":{"id":"7"},"date":"2026-12-04","lines":[{"amount":"39.98","id":"12","quantity":"2","sku":"SKU-000001","tax_code":"PC040100"},{"amount":"7.5","discount":"1","id":"13","quantity":"1","sku":"SKU-000002"}],"ship_from":{"city":"Springfield","country":"US","line1":"1 Main St","postal_code":"94016","region":"CA"},"ship_to":{"city":"San José","country":"US","line1":"1 \"Main\" St\\\\Apt 2/3\\tx\\u0001\\u001F' . "\x7f \u{2028} \u{1F600}" . '","postal_code":"94016","region":"CA"},"shipping":{"amount":"5"},"store":"us"}';
    $this->assertSame($expected, $r->json());
    $this->assertSame('bb07cec8e67e6bf0841304fb2c5c47bfb739d42b0383eea3c88f09802e5619fc', $r->key());
    $this->assertSame(hash('sha256', $r->json() . '|2026-12-04'), $r->key());
    // What is sent is valid JSON with the same content.
    $this->assertEquals($r->body(), json_decode($r->json(), TRUE));
  }

  public function testCanonicalJsonSortsEveryLevelAndKeepsListOrder(): void {
    $this->assertSame('{"a":"1","b":{"x":null,"y":["3","2"]}}', TaxQuoteRequest::canonicalJson(['b' => ['y' => ['3', '2'], 'x' => NULL], 'a' => '1']));
    $this->assertSame('"\\b\\f\\n\\r\\t\\u000B"', TaxQuoteRequest::canonicalJson("\x08\x0c\n\r\t\x0b"));
  }

  public function testCanonicalJsonRefusesNumbersAndBadText(): void {
    $this->expectException(\InvalidArgumentException::class);
    TaxQuoteRequest::canonicalJson(['quantity' => 2]);
  }

  public function testCanonicalJsonRefusesTextThatIsNotUtf8(): void {
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage('not UTF-8');
    TaxQuoteRequest::canonicalJson("caf\xe9");
  }

  public function testNormalization(): void {
    $cart = FakeTaxOrder::usCart();
    $cart['ship_to'] += ['address_line2' => '  ', 'locality' => 'x'];
    $cart['ship_to']['administrative_area'] = 'A very long region name';
    $cart['ship_from'] = ['country_code' => '', 'locality' => 'Nowhere'];
    $cart['customer_id'] = '';
    $cart['exemption'] = NULL;
    $cart['lines'][] = ['id' => '14', 'quantity' => '0.00', 'amount' => '10'];
    $cart['lines'][] = ['id' => '15', 'sku' => str_repeat('S', 129), 'quantity' => '1', 'amount' => '-3.00', 'discount' => '13.00'];
    $cart['lines'][] = ['id' => '16', 'sku' => '', 'tax_code' => ' ', 'quantity' => '0.5', 'amount' => '0.000001'];
    $cart['shipping'] = ['amount' => '0', 'tax_code' => 'FR020100'];
    $body = TaxQuoteRequest::build($cart)->body();
    $this->assertSame(['store', 'currency', 'date', 'ship_to', 'lines', 'shipping'], array_keys($body));
    $this->assertSame(['country' => 'US', 'postal_code' => '94016', 'city' => 'Springfield', 'line1' => '1 Main St'], $body['ship_to']);
    $this->assertSame([
      ['id' => '12', 'sku' => 'SKU-000001', 'quantity' => '2', 'amount' => '39.98'],
      ['id' => '13', 'sku' => 'SKU-000002', 'quantity' => '1', 'amount' => '7.5', 'discount' => '1'],
      ['id' => '15', 'quantity' => '1', 'amount' => '0', 'discount' => '13'],
      ['id' => '16', 'quantity' => '0.5', 'amount' => '0.000001'],
    ], $body['lines']);
    $this->assertSame(['amount' => '0', 'tax_code' => 'FR020100'], $body['shipping']);
  }

  public function testLongTextIsCut(): void {
    $cart = FakeTaxOrder::usCart();
    $cart['ship_to']['locality'] = str_repeat('é', 150);
    $cart['ship_to']['address_line1'] = str_repeat('a', 250);
    $cart['customer_id'] = str_repeat('9', 120);
    $body = TaxQuoteRequest::build($cart)->body();
    $this->assertSame(100, mb_strlen($body['ship_to']['city']));
    $this->assertSame(200, strlen($body['ship_to']['line1']));
    $this->assertSame(100, strlen($body['customer']['id']));
  }

  public function testSameCartSameKeyWhateverTheInputForm(): void {
    $a = FakeTaxOrder::usCart();
    $b = $a;
    $b['lines'][0]['quantity'] = '2';
    $b['lines'][0]['amount'] = '39.98';
    $b['ship_to'] = array_reverse($b['ship_to'], TRUE);
    $b['ship_to']['country_code'] = 'us';
    $b['shipping']['amount'] = '5.000000';
    $b = array_reverse($b, TRUE);
    $this->assertSame(TaxQuoteRequest::build($a)->key(), TaxQuoteRequest::build($b)->key());
  }

  /**
   * What changes the key (so the module asks seam again).
   */
  public static function changes(): array {
    return [
      'quantity' => [static function (array &$c) { $c['lines'][0]['quantity'] = '3'; }],
      'amount (a price or a promotion)' => [static function (array &$c) { $c['lines'][1]['amount'] = '7.40'; }],
      'a line more' => [static function (array &$c) { $c['lines'][] = ['id' => '20', 'quantity' => '1', 'amount' => '1']; }],
      'a line less' => [static function (array &$c) { array_pop($c['lines']); }],
      'postal code' => [static function (array &$c) { $c['ship_to']['postal_code'] = '10001'; }],
      'region' => [static function (array &$c) { $c['ship_to']['administrative_area'] = 'NY'; }],
      'street' => [static function (array &$c) { $c['ship_to']['address_line1'] = '2 Main St'; }],
      'date' => [static function (array &$c) { $c['date'] = '2026-12-05'; }],
      'shipping amount' => [static function (array &$c) { $c['shipping']['amount'] = '6.00'; }],
      'no shipping' => [static function (array &$c) { $c['shipping'] = NULL; }],
      'customer' => [static function (array &$c) { $c['customer_id'] = '8'; }],
      'exemption' => [static function (array &$c) { $c['exemption'] = 'E'; }],
      'tax code' => [static function (array &$c) { $c['lines'][0]['tax_code'] = 'PC040100'; }],
      'store' => [static function (array &$c) { $c['store'] = 'eu'; }],
    ];
  }

  /**
   * @dataProvider changes
   */
  public function testAChangeChangesTheKey(\Closure $change): void {
    $cart = FakeTaxOrder::usCart();
    $before = TaxQuoteRequest::build($cart)->key();
    $change($cart);
    $this->assertNotSame($before, TaxQuoteRequest::build($cart)->key());
  }

  /**
   * Carts that cannot be quoted and the field named.
   */
  public static function refusals(): array {
    return [
      'no country' => [static function (array &$c) { $c['ship_to']['country_code'] = ''; }, 'ship_to.country'],
      'three-letter country' => [static function (array &$c) { $c['ship_to']['country_code'] = 'USA'; }, 'ship_to.country'],
      'no store' => [static function (array &$c) { $c['store'] = ''; }, 'store:'],
      'lower-case currency' => [static function (array &$c) { $c['currency'] = 'usd'; }, 'currency:'],
      'bad date' => [static function (array &$c) { $c['date'] = '2026-02-30'; }, 'date:'],
      'no lines' => [static function (array &$c) { $c['lines'] = []; }, 'lines: the cart has no line'],
      'only empty lines' => [static function (array &$c) { $c['lines'] = [['id' => '1', 'quantity' => '0', 'amount' => '1']]; }, 'lines: the cart has no line'],
      'same id twice' => [static function (array &$c) { $c['lines'][1]['id'] = '12'; }, 'lines[1].id: "12" is used by two lines'],
      'no id' => [static function (array &$c) { $c['lines'][1]['id'] = ''; }, 'lines[1].id'],
      'tax code too long' => [static function (array &$c) { $c['lines'][0]['tax_code'] = str_repeat('P', 26); }, 'lines[0].tax_code'],
      'shipping tax code too long' => [static function (array &$c) { $c['shipping']['tax_code'] = str_repeat('F', 26); }, 'shipping.tax_code'],
      'amount not a decimal' => [static function (array &$c) { $c['lines'][0]['amount'] = '1e3'; }, 'lines[0].amount'],
      'seven decimals' => [static function (array &$c) { $c['lines'][0]['quantity'] = '1.0000001'; }, 'lines[0].quantity'],
      'sixteen digits' => [static function (array &$c) { $c['lines'][0]['amount'] = '1000000000000000'; }, 'lines[0].amount'],
      'shipping without amount' => [static function (array &$c) { $c['shipping'] = ['tax_code' => 'X']; }, 'shipping.amount'],
      '251 lines' => [static function (array &$c) {
        $c['lines'] = [];
        for ($i = 1; $i <= 251; $i++) {
          $c['lines'][] = ['id' => (string) $i, 'quantity' => '1', 'amount' => '1'];
        }
      }, 'lines: 251 lines, seam quotes at most 250'],
    ];
  }

  /**
   * @dataProvider refusals
   */
  public function testRefusals(\Closure $change, string $message): void {
    $cart = FakeTaxOrder::usCart();
    $change($cart);
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage($message);
    TaxQuoteRequest::build($cart);
  }

  public function testTwoHundredFiftyLinesAreFine(): void {
    $cart = FakeTaxOrder::usCart();
    $cart['lines'] = [];
    for ($i = 1; $i <= 250; $i++) {
      $cart['lines'][] = ['id' => (string) $i, 'quantity' => '1', 'amount' => '1'];
    }
    $this->assertCount(250, TaxQuoteRequest::build($cart)->lineIds());
  }

  public function testAccessors(): void {
    $r = TaxQuoteRequest::build(FakeTaxOrder::usCart());
    $this->assertSame(['12', '13'], $r->lineIds());
    $this->assertSame('USD', $r->currency());
    $this->assertTrue($r->hasShipping());
    $cart = FakeTaxOrder::usCart();
    unset($cart['shipping']);
    $this->assertFalse(TaxQuoteRequest::build($cart)->hasShipping());
  }

}
