<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Plugin\Commerce\TaxType;

use Drupal\Core\Form\FormStateInterface;
use Drupal\Core\StringTranslation\TranslatableMarkup;
use Drupal\Core\Url;
use Drupal\commerce_order\Entity\OrderInterface;
use Drupal\commerce_tax\Attribute\CommerceTaxType;
use Drupal\commerce_tax\Plugin\Commerce\TaxType\RemoteTaxTypeBase;
use Symfony\Component\DependencyInjection\ContainerInterface;

/**
 * The "seam tax" tax type: tax per order item from seam's quote API.
 *
 * Commerce 3.2's TaxOrderProcessor (priority 50 of the order refresh, after
 * promotions) calls applies() and apply() of every enabled tax type on
 * every refresh of a draft order, after Order::clearAdjustments() removed
 * the tax adjustments of the previous refresh; the work is
 * SeamTaxService's (\Drupal\seam_bridge\TaxQuoter: reuse for an unchanged
 * cart, one call otherwise, an honest fallback). Only found when
 * commerce_tax is installed (this class extends its base class; nothing
 * else in the module depends on commerce_tax).
 *
 * Configuration: none of its own. seam's tax is never included in prices
 * (display_inclusive is always FALSE); the seam URL, API key, store
 * mapping, timeout and fallback are in the module's settings.
 */
#[CommerceTaxType(
  id: 'seam',
  label: new TranslatableMarkup('seam tax'),
)]
final class SeamTax extends RemoteTaxTypeBase {

  /**
   * The module's tax service (seam_bridge.tax).
   *
   * @var \Drupal\seam_bridge\Tax\SeamTaxService
   */
  protected $seamTax;

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container, array $configuration, $plugin_id, $plugin_definition) {
    $instance = parent::create($container, $configuration, $plugin_id, $plugin_definition);
    $instance->seamTax = $container->get('seam_bridge.tax');
    return $instance;
  }

  /**
   * {@inheritdoc}
   */
  public function defaultConfiguration() {
    return ['display_inclusive' => FALSE];
  }

  /**
   * {@inheritdoc}
   */
  public function setConfiguration(array $configuration) {
    parent::setConfiguration($configuration);
    $this->configuration['display_inclusive'] = FALSE;
  }

  /**
   * {@inheritdoc}
   */
  public function buildConfigurationForm(array $form, FormStateInterface $form_state) {
    $form['seam'] = [
      '#type' => 'item',
      '#markup' => $this->t('Tax comes from seam (POST /v1/tax/quote) for the stores mapped to a seam store, added on top of prices. The seam URL, API key, timeout and what happens when seam does not answer are in the <a href=":url">seam bridge settings</a>.', [
        ':url' => Url::fromRoute('seam_bridge.settings')->toString(),
      ]),
    ];
    return $form;
  }

  /**
   * {@inheritdoc}
   */
  public function submitConfigurationForm(array &$form, FormStateInterface $form_state) {
    $this->configuration = ['display_inclusive' => FALSE];
  }

  /**
   * {@inheritdoc}
   */
  public function applies(OrderInterface $order) {
    return $this->seamTax->applies($order);
  }

  /**
   * {@inheritdoc}
   */
  public function apply(OrderInterface $order) {
    $this->seamTax->apply($order);
  }

}
