'use strict';

/** Customers: one row per registered shopper account. */
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('customers', {
      id: { type: Sequelize.BIGINT, allowNull: false },
      email: { type: Sequelize.TEXT, allowNull: false },
      full_name: { type: Sequelize.TEXT, allowNull: false },
      created_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
      updated_at: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
    });
    await queryInterface.sequelize.query(
      'ALTER TABLE customers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY',
    );
    await queryInterface.addConstraint('customers', {
      type: 'primary key',
      fields: ['id'],
      name: 'customers_pkey',
    });
    await queryInterface.addConstraint('customers', {
      type: 'unique',
      fields: ['email'],
      name: 'customers_email_key',
    });
  },

  async down(queryInterface) {
    await queryInterface.dropTable('customers');
  },
};
