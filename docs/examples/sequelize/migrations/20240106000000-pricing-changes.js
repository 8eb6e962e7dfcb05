'use strict';

/** Prices get more digits; order items record a discount. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.transaction(async (transaction) => {
      await queryInterface.sequelize.query("SET LOCAL lock_timeout = '5s'", { transaction });
      await queryInterface.changeColumn(
        'products',
        'price',
        { type: Sequelize.DECIMAL(12, 2), allowNull: false },
        { transaction },
      );
      await queryInterface.changeColumn(
        'orders',
        'total_amount',
        { type: Sequelize.DECIMAL(14, 2), allowNull: false },
        { transaction },
      );
      await queryInterface.addColumn('order_items', 'discount_amount', {
        type: Sequelize.DOUBLE,
        allowNull: true,
      });
    });
  },

  async down(queryInterface) {
    await queryInterface.removeColumn('order_items', 'discount_amount');
  },
};
