'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addIndex('products', ['organization_id', 'sku']);
    await queryInterface.addIndex('products', ['title'], { unique: true, where: { active: true } });
    await queryInterface.addIndex('products', { fields: ['stock'], name: 'products_stock_named' });
    await queryInterface.addIndex('organizations', ['slug'], { concurrently: true, using: 'BTREE' });
    await queryInterface.addConstraint('products', { fields: ['sku'], type: 'unique' });
    await queryInterface.addConstraint('products', {
      fields: ['stock'],
      type: 'check',
      where: { stock: 0 },
    });
    await queryInterface.createTable('orders', {
      id: { type: Sequelize.INTEGER, allowNull: false },
      product_id: { type: Sequelize.BIGINT, allowNull: false },
      quantity: { type: Sequelize.INTEGER, allowNull: false, defaultValue: 1 },
    });
    await queryInterface.addConstraint('orders', { fields: ['id'], type: 'primary key' });
    await queryInterface.addConstraint('orders', {
      fields: ['product_id'],
      type: 'foreign key',
      references: { table: 'products', field: 'id' },
      onDelete: 'restrict',
    });
    await queryInterface.addConstraint('orders', {
      fields: ['quantity'],
      type: 'unique',
      name: 'orders_quantity_named',
    });
    await queryInterface.removeConstraint('orders', 'orders_quantity_named');
  },
  async down() {},
};
