#!/bin/sh
curl -s http://www.lab.test/
