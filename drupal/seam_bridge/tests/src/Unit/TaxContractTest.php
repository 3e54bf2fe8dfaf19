<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\TaxQuoteRequest;
use Drupal\seam_bridge\TaxQuoteResult;
use Drupal\seam_bridge\TaxQuoter;
use Drupal\seam_bridge\TaxPolicy;
use Drupal\Tests\seam_bridge\Support\FakeTaxOrder;
use Drupal\Tests\seam_bridge\Support\FakeTaxTransport;
use Drupal\Tests\seam_bridge\Support\MiniSchema;
use PHPUnit\Framework\TestCase;

/**
 * What the module sends to POST /v1/tax/quote matches
 * contracts/tax/v1/quote-request.schema.json, and what it reads and keeps
 * matches quote.schema.json.
 *
 * @coversNothing
 */
final class TaxContractTest extends TestCase {

  private static function schema(string $name): MiniSchema {
    return MiniSchema::load(dirname(__DIR__, 5) . '/contracts/tax/v1/' . $name . '.schema.json');
  }

  private static function asJson(string $json): mixed {
    return json_decode($json, FALSE, 512, JSON_THROW_ON_ERROR);
  }

  /**
   * Carts the module builds: the US cart, a minimal one, one with every
   * optional member.
   */
  public static function carts(): array {
    $us = FakeTaxOrder::usCart();
    $minimal = [
      'store' => 's', 'currency' => 'EUR', 'date' => '2026-01-31',
      'ship_to' => ['country_code' => 'DE'],
      'lines' => [['id' => '1', 'quantity' => '1', 'amount' => '0']],
    ];
    $full = $us;
    $full['exemption'] = 'EXEMPT-123';
    $full['ship_to']['address_line2'] = 'Suite 5';
    $full['lines'][0]['tax_code'] = 'PC040100';
    $full['shipping']['tax_code'] = 'FR020100';
    $long = $us;
    $long['ship_to']['locality'] = str_repeat('Ü', 300);
    $long['ship_to']['administrative_area'] = 'Bayern-Oberpfalz';
    $long['customer_id'] = str_repeat('c', 200);
    return ['us' => [$us], 'minimal' => [$minimal], 'full' => [$full], 'long text' => [$long]];
  }

  /**
   * @dataProvider carts
   */
  public function testBuiltRequestsMatchTheSchema(array $cart): void {
    $r = TaxQuoteRequest::build($cart);
    $this->assertSame([], self::schema('quote-request')->errors(self::asJson($r->json())));
  }

  public function testTheSchemaChecksLines(): void {
    // Guards the check above: a line that breaks the contract is caught.
    $bad = self::asJson(TaxQuoteRequest::build(FakeTaxOrder::usCart())->json());
    $bad->lines[0]->quantity = 2;
    $bad->lines[1]->amount = '-1';
    $errors = self::schema('quote-request')->errors($bad);
    $this->assertContains('$.lines[0].quantity: expected string, got int', $errors);
    $this->assertContains('$.lines[1].amount: does not match ^[0-9]{1,15}(\.[0-9]{1,6})?$', $errors);
    $bad->lines = [];
    $this->assertContains('$.lines: fewer than 1 items', self::schema('quote-request')->errors($bad));
  }

  public function testTheQuoterSendsWhatTheSchemaAllows(): void {
    $o = new FakeTaxOrder(FakeTaxOrder::usCart());
    $t = FakeTaxTransport::answering();
    (new TaxQuoter())->quote($o, $t, TaxPolicy::fromConfig([]), 1800000000);
    $this->assertCount(1, $t->sent);
    $this->assertSame([], self::schema('quote-request')->errors(self::asJson($t->sent[0])));
  }

  /**
   * Answers as seam's src/flows/tax.c writes them: an estimate from its rate
   * table (estimate() then finish()) and an engine answer.
   */
  public static function answers(): array {
    $r = TaxQuoteRequest::build(FakeTaxOrder::usCart());
    $estimate = [
      'lines' => [
        ['id' => '12', 'tax' => '2.90', 'taxable' => '39.98', 'rate' => '0.0725'],
        ['id' => '13', 'tax' => '0.54', 'taxable' => '7.5', 'rate' => '0.0725'],
      ],
      'shipping' => ['tax' => '0.36', 'taxable' => '5'],
      'total_tax' => '3.80',
      'total_taxable' => '47.48',
      'jurisdictions' => [['name' => 'California', 'type' => 'State', 'rate' => '0.0725', 'tax' => '3.80']],
      'source' => 'estimate',
      'estimate_reason' => 'engine_timeout',
      'currency' => 'USD',
      'quote_key' => $r->key(),
      'age_seconds' => 0,
    ];
    $engine = ['source' => 'engine', 'estimate_reason' => NULL] + $estimate;
    $engine['lines'][0]['tax'] = '2.8986';
    $engine['jurisdictions'] = [
      ['name' => 'CALIFORNIA', 'type' => 'State', 'rate' => '0.06', 'tax' => '3.14'],
      ['name' => 'SAN MATEO', 'type' => 'County', 'rate' => '0.0125', 'tax' => '0.66'],
    ];
    $cached = ['source' => 'cache', 'age_seconds' => 42] + $engine;
    return [
      'estimate' => [$estimate, 'California (estimate)', '2.90'],
      'engine' => [$engine, 'Tax', '2.90'],
      'cache' => [$cached, 'Tax', '2.90'],
    ];
  }

  /**
   * @dataProvider answers
   */
  public function testSeamsAnswersMatchTheSchemaAndAreRead(array $answer, string $label, string $tax12): void {
    $json = json_encode($answer);
    $this->assertSame([], self::schema('quote')->errors(self::asJson($json)));
    $result = TaxQuoteResult::fromJson($json, TaxQuoteRequest::build(FakeTaxOrder::usCart()));
    $this->assertSame($label, $result->label());
    $this->assertSame($tax12, $result->lineTax('12', 2));
    $this->assertSame(TaxQuoteResult::SOURCES, self::schema('quote')->root()->properties->source->enum);
  }

  /**
   * @dataProvider answers
   */
  public function testWhatIsKeptOnTheOrderIsAQuote(array $answer): void {
    $kept = TaxQuoteResult::fromArray($answer, TaxQuoteRequest::build(FakeTaxOrder::usCart()))->toArray();
    $this->assertSame([], self::schema('quote')->errors(self::asJson(json_encode($kept))));
  }

  public function testTheFakeSeamAnswersLikeTheContract(): void {
    $r = TaxQuoteRequest::build(FakeTaxOrder::usCart());
    $this->assertSame([], self::schema('quote')->errors(self::asJson(json_encode(FakeTaxTransport::quote($r->body(), $r->json(), 'estimate')))));
  }

}
