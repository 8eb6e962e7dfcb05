'use strict';

/** `full_name` becomes `display_name`. */
module.exports = {
  async up(queryInterface) {
    await queryInterface.sequelize.query("SET lock_timeout = '5s'");
    await queryInterface.renameColumn('customers', 'full_name', 'display_name');
  },

  async down(queryInterface) {
    await queryInterface.renameColumn('customers', 'display_name', 'full_name');
  },
};
