'use strict';

/** Orders and their items. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.query("SET lock_timeout = '5s'");
    await queryInterface.createTable('orders', {
      id: { type: Sequelize.BIGINT, allowNull: false },
      customer_id: { type: Sequelize.BIGINT, allowNull: false },
      status: { type: Sequelize.TEXT, allowNull: false, defaultValue: 'pending' },
      total_amount: { type: Sequelize.DECIMAL(12, 2), allowNull: false, defaultValue: 0 },
      placed_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
    });
    await queryInterface.sequelize.query(
      'ALTER TABLE orders ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    );
    await queryInterface.addConstraint('orders', {
      type: 'primary key',
      fields: ['id'],
      name: 'orders_pkey',
    });
    await queryInterface.addConstraint('orders', {
      type: 'foreign key',
      fields: ['customer_id'],
      references: { table: 'customers', field: 'id' },
      onDelete: 'restrict',
      name: 'orders_customer_id_fkey',
    });
    await queryInterface.addIndex('orders', ['customer_id'], { name: 'orders_customer_id_idx' });

    await queryInterface.createTable('order_items', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      order_id: {
        type: Sequelize.BIGINT,
        allowNull: false,
        references: { model: 'orders', key: 'id' },
        onDelete: 'CASCADE',
      },
      product_id: { type: Sequelize.BIGINT, allowNull: false },
      quantity: { type: Sequelize.INTEGER, allowNull: false, defaultValue: 1 },
      unit_price: { type: Sequelize.DECIMAL(10, 2), allowNull: false },
    });
    await queryInterface.addConstraint('order_items', {
      type: 'foreign key',
      fields: ['product_id'],
      references: { table: 'products', field: 'id' },
      onDelete: 'restrict',
      name: 'order_items_product_id_fkey',
    });
    await queryInterface.addIndex('order_items', ['order_id'], { name: 'order_items_order_id_idx' });
    await queryInterface.addIndex('order_items', ['product_id'], {
      name: 'order_items_product_id_idx',
    });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('order_items');
    await queryInterface.dropTable('orders');
  },
};
