'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('organizations', 'plan', {
      type: Sequelize.ENUM('free', 'pro'),
      allowNull: false,
      defaultValue: 'free',
    });
    await queryInterface.addColumn('organizations', 'notes', Sequelize.TEXT);
    await queryInterface.addColumn('orders', 'placed_at', {
      type: Sequelize.DATE,
      comment: 'when the customer paid',
    });
    await queryInterface.changeColumn('organizations', 'slug', {
      type: Sequelize.STRING(128),
      allowNull: true,
    });
    await queryInterface.changeColumn('products', 'stock', {
      type: Sequelize.INTEGER,
      allowNull: false,
      defaultValue: 5,
    });
    await queryInterface.renameColumn('organizations', 'notes', 'description');
    await queryInterface.removeColumn('products', 'raw');
    await queryInterface.removeIndex('products', ['organization_id', 'sku']);
    await queryInterface.sequelize.query('CREATE INDEX orders_placed_at ON orders (placed_at)');
    await queryInterface.renameTable('orders', 'purchases');
    await queryInterface.createTable('scratch', { id: Sequelize.INTEGER });
    await queryInterface.dropTable('scratch');
  },
  async down() {},
};
