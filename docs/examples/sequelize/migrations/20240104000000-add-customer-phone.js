'use strict';

/** Customers get a phone number and a loyalty tier. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.sequelize.query("SET lock_timeout = '5s'");
    await queryInterface.addColumn('customers', 'phone', { type: Sequelize.STRING(32) });
    await queryInterface.addColumn('customers', 'tier', {
      type: Sequelize.TEXT,
      allowNull: false,
    });
  },

  async down(queryInterface) {
    await queryInterface.removeColumn('customers', 'tier');
    await queryInterface.removeColumn('customers', 'phone');
  },
};
