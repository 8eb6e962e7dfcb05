'use strict';

/** Orders are listed by status on the back office. */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query("SET lock_timeout = '5s'");
    await queryInterface.addIndex('orders', ['status', 'placed_at']);
  },

  async down(queryInterface) {
    await queryInterface.removeIndex('orders', ['status', 'placed_at']);
  },
};
