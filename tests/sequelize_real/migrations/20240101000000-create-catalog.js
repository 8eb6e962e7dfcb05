'use strict';

module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('organizations', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true, allowNull: false },
      name: { type: Sequelize.STRING, allowNull: false, unique: true },
      slug: { type: Sequelize.STRING(64), allowNull: false },
      createdAt: { type: Sequelize.DATE, allowNull: false, defaultValue: Sequelize.fn('now') },
    });
    await queryInterface.createTable('products', {
      id: { type: Sequelize.BIGINT, primaryKey: true, autoIncrement: true },
      organization_id: {
        type: Sequelize.INTEGER,
        allowNull: false,
        references: { model: 'organizations', key: 'id' },
        onDelete: 'CASCADE',
      },
      sku: { type: Sequelize.CHAR(12), allowNull: false },
      title: { type: Sequelize.TEXT },
      price: { type: Sequelize.DECIMAL(10, 2), allowNull: false, defaultValue: 0 },
      weight: { type: Sequelize.FLOAT },
      ratio: { type: Sequelize.REAL },
      score: { type: Sequelize.DOUBLE },
      stock: { type: Sequelize.SMALLINT, defaultValue: 0 },
      active: { type: Sequelize.BOOLEAN, allowNull: false, defaultValue: true },
      attributes: { type: Sequelize.JSONB, allowNull: false, defaultValue: {} },
      raw: { type: Sequelize.JSON },
      uuid: { type: Sequelize.UUID, defaultValue: Sequelize.UUIDV4 },
      tags: { type: Sequelize.ARRAY(Sequelize.STRING) },
      released_on: { type: Sequelize.DATEONLY },
      opens_at: { type: Sequelize.TIME },
      image: { type: Sequelize.BLOB },
      state: { type: Sequelize.ENUM('draft', 'live', 'retired'), defaultValue: 'draft' },
      updated_at: { type: Sequelize.DATE, defaultValue: Sequelize.NOW },
    });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('products');
    await queryInterface.dropTable('organizations');
  },
};
