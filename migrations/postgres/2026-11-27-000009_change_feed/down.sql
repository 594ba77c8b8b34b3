DROP TABLE change_horizons;
DROP TABLE changes;
