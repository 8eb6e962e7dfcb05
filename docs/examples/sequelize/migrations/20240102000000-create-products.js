'use strict';

/** Products, with their price in exact money. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('products', {
      id: { type: Sequelize.BIGINT, allowNull: false },
      sku: { type: Sequelize.TEXT, allowNull: false },
      name: { type: Sequelize.TEXT, allowNull: false },
      price: { type: Sequelize.DECIMAL(10, 2), allowNull: false },
      created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
    });
    await queryInterface.sequelize.query(
      'ALTER TABLE products ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    );
    await queryInterface.addConstraint('products', {
      type: 'primary key',
      fields: ['id'],
      name: 'products_pkey',
    });
    await queryInterface.addConstraint('products', {
      type: 'unique',
      fields: ['sku'],
      name: 'products_sku_key',
    });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('products');
  },
};
